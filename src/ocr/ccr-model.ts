import ort from 'onnxruntime-node';
import { AppError } from '../errors.js';
import { topK } from './ctc.js';
import type { RawCandidate } from './recogniser.js';
import { readModelFile } from '../model-store/model-file.js';
import { cachedSession } from '../model-store/sessions.js';

/** Registry name (models/context.json) of our character classifier (models/training/ccr/). */
export const CCR_MODEL_NAME = 'ccr-big5-kai';

/** Side of the square grey cell the classifier reads. */
export const CELL_SIZE = 32;

/**
 * Our Traditional Chinese character classifier: one 32×32 grey cell (0 = black, 1 = white, any paper
 * tone: the network standardises each cell itself) → one score per vocabulary character.
 */
export interface CharClassifier {
  readonly vocabulary: readonly string[];
  /** Softmax temperature fitted on synthetic validation data by the training script. */
  readonly temperature: number;
  /** Top candidates per cell, best first, scores calibrated probabilities. `cells` holds n × 32 × 32 values. */
  classify(cells: Float32Array, n: number, top?: number): Promise<RawCandidate[][]>;
}

/** The files beside the model: `<name>.vocab.txt` (one character a line) and `<name>.json` (training metadata). */
export const ccrCompanionFiles = (modelFile: string): { vocabulary: string; metadata: string } => {
  const stem = modelFile.replace(/\.onnx$/, '');
  return { vocabulary: `${stem}.vocab.txt`, metadata: `${stem}.json` };
};

/** The `top` best characters of one cell's logits, scored by the softmax at `temperature`. */
const softmaxTop = (logits: Float32Array, temperature: number, vocabulary: readonly string[], top: number): RawCandidate[] => {
  let max = -Infinity;
  for (const logit of logits) max = Math.max(max, logit);
  let sum = 0;
  for (const logit of logits) sum += Math.exp((logit - max) / temperature);
  return topK(logits, top).map(({ index, score }) => ({ raw: vocabulary[index] ?? '', score: Math.exp((score - max) / temperature) / sum }));
};

export const loadCharClassifier = async (modelFile: string): Promise<CharClassifier> => {
  const files = ccrCompanionFiles(modelFile);
  // The network first, so a missing model is named as such rather than by a missing companion.
  const session = await cachedSession(modelFile, { model: CCR_MODEL_NAME });
  const vocabulary = (await readModelFile(files.vocabulary, CCR_MODEL_NAME)).toString('utf8').split(/\r?\n/).filter((l) => l !== '');
  const metadata: unknown = JSON.parse((await readModelFile(files.metadata, CCR_MODEL_NAME)).toString('utf8'));
  const temperature = typeof metadata === 'object' && metadata !== null && 'temperature' in metadata ? Number(metadata.temperature) : NaN;
  const classes = typeof metadata === 'object' && metadata !== null && 'classes' in metadata ? Number(metadata.classes) : NaN;
  if (!(temperature > 0) || classes !== vocabulary.length) {
    throw new AppError('MODEL_CORRUPT', `Model "${CCR_MODEL_NAME}": ${files.metadata} does not match its vocabulary (${vocabulary.length} characters)`, {
      model: CCR_MODEL_NAME,
      file: files.metadata,
    });
  }
  return {
    vocabulary,
    temperature,
    async classify(cells, n, top = 5) {
      if (n === 0) return [];
      const input = new ort.Tensor('float32', cells.subarray(0, n * CELL_SIZE * CELL_SIZE), [n, 1, CELL_SIZE, CELL_SIZE]);
      const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!];
      if (out === undefined || out.dims[1] !== vocabulary.length) {
        throw new AppError('MODEL_CORRUPT', `Model "${CCR_MODEL_NAME}" gives ${String(out?.dims[1])} classes, vocabulary ${vocabulary.length}`, {
          model: CCR_MODEL_NAME,
        });
      }
      const logits = out.data as Float32Array;
      const classes = vocabulary.length;
      return Array.from({ length: n }, (_, i) => softmaxTop(logits.subarray(i * classes, (i + 1) * classes), temperature, vocabulary, top));
    },
  };
};
