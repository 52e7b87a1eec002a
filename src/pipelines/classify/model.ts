import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ARTEFACT_KINDS } from '../../artefact-kind.js';
import { AppError } from '../../errors.js';
import { defaultContextFile } from '../../model-store/locate.js';
import { cachedSession } from '../../model-store/sessions.js';

/** Registry name of the classifier (models/context.json). */
export const ARTEFACT_CLASSIFIER_MODEL = 'artefact-classifier';

/** The network's square input side, in pixels. */
export const CLASSIFIER_INPUT_SIZE = 128;


/**
 * The committed model file, beside the registry. The server passes the path the ModelStore verified
 * at boot instead; this default serves scripts and tests.
 */
export const defaultClassifierFile = (): string => path.join(path.dirname(defaultContextFile()), 'classifier', 'artefact-classifier.onnx');

export interface ArtefactClassifier {
  /** `input` is 3×128×128 RGB in [0, 1], channel-major. Returns one probability per kind, in ARTEFACT_KINDS order (MM, HF). */
  run(input: Float32Array): Promise<number[]>;
}

export const loadArtefactClassifier = async (modelFile: string = defaultClassifierFile()): Promise<ArtefactClassifier> => {
  const session = await cachedSession(modelFile, { model: ARTEFACT_CLASSIFIER_MODEL, inputs: ['image'], outputs: ['probs'] });
  const side = CLASSIFIER_INPUT_SIZE;
  return {
    async run(input) {
      const output = await session.run({ image: new ort.Tensor('float32', input, [1, 3, side, side]) });
      const probs = output.probs?.data;
      if (!(probs instanceof Float32Array) || probs.length !== ARTEFACT_KINDS.length) {
        throw new AppError('MODEL_CORRUPT', `Model "${ARTEFACT_CLASSIFIER_MODEL}" did not give ${ARTEFACT_KINDS.length} probabilities`, { model: ARTEFACT_CLASSIFIER_MODEL });
      }
      return Array.from(probs);
    },
  };
};
