import { access } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { AppError } from '../../errors.js';
import { defaultContextFile } from '../../model-store/locate.js';
import { SESSION_OPTIONS } from '../../model-store/session-options.js';

/** Registry name of the classifier (models/context.json). */
export const ARTEFACT_CLASSIFIER_MODEL = 'artefact-classifier';

/** The network's square input side, in pixels. */
export const CLASSIFIER_INPUT_SIZE = 128;

/** Output order of the network's probabilities. */
export const ARTEFACT_KINDS = ['mm', 'hf'] as const;
export type ArtefactKind = (typeof ARTEFACT_KINDS)[number];

/**
 * The committed model file, beside the registry. The server passes the path the ModelStore verified
 * at boot instead; this default serves scripts and tests.
 */
export const defaultClassifierFile = (): string => path.join(path.dirname(defaultContextFile()), 'classifier', 'artefact-classifier.onnx');

export interface ArtefactClassifier {
  /** `input` is 3×128×128 RGB in [0, 1], channel-major. Returns one probability per kind, in ARTEFACT_KINDS order. */
  run(input: Float32Array): Promise<number[]>;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

const openSession = async (modelFile: string): Promise<ort.InferenceSession> => {
  const details = { model: ARTEFACT_CLASSIFIER_MODEL, file: modelFile };
  try {
    await access(modelFile);
  } catch (cause) {
    throw new AppError('MODEL_MISSING', `Model "${ARTEFACT_CLASSIFIER_MODEL}" not found at ${modelFile}`, details, { cause });
  }
  let session: ort.InferenceSession;
  try {
    // One intra-op thread: parallelism comes from worker threads, which was fastest on 2 cores.
    session = await ort.InferenceSession.create(modelFile, SESSION_OPTIONS);
  } catch (cause) {
    throw new AppError('MODEL_CORRUPT', `Model "${ARTEFACT_CLASSIFIER_MODEL}" at ${modelFile} could not be loaded`, details, { cause });
  }
  if (!session.inputNames.includes('image') || !session.outputNames.includes('probs')) {
    throw new AppError('MODEL_CORRUPT', `Model "${ARTEFACT_CLASSIFIER_MODEL}" at ${modelFile} is not the artefact classifier (expects input "image", output "probs")`, details);
  }
  return session;
};

/** One session per model file per thread (module state is per worker thread), reused by every image. */
const sharedSession = (modelFile: string): Promise<ort.InferenceSession> => {
  let session = sessions.get(modelFile);
  if (session === undefined) {
    session = openSession(modelFile);
    // A failed load is not cached, so a model put in place later is picked up.
    session.catch(() => sessions.delete(modelFile));
    sessions.set(modelFile, session);
  }
  return session;
};

export const loadArtefactClassifier = async (modelFile: string = defaultClassifierFile()): Promise<ArtefactClassifier> => {
  const session = await sharedSession(modelFile);
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
