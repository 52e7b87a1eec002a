import type { Tracer } from '../../tracing/tracer.js';
import { ARTEFACT_KINDS, type ArtefactKind } from '../../artefact-kind.js';
import { loadArtefactClassifier } from './model.js';
import { prepareClassifierInput } from './preprocess.js';

export interface ArtefactClassification {
  kind: ArtefactKind;
  /** Probability of the chosen kind, 0.5..1. */
  confidence: number;
  /** Probability of each kind; they sum to 1. */
  scores: Record<ArtefactKind, number>;
}

export interface ClassifyOptions {
  /** The verified model path from the ModelStore; defaults to the committed file. */
  modelFile?: string;
}

/** Decides whether an artefact image is a meeting-minutes page (MM) or an event photo (HF). */
export const classifyArtefact = async (image: Buffer, tracer: Tracer, options: ClassifyOptions = {}): Promise<ArtefactClassification> => {
  const prepared = await tracer.step('classify.decode', 'Decoded and resized the image', () => prepareClassifierInput(image), (p) => ({
    width: p.width,
    height: p.height,
  }));
  const probs = await tracer.step('classify.infer', 'Ran the classifier', async () => (await loadArtefactClassifier(options.modelFile)).run(prepared.input));
  const scores: Record<ArtefactKind, number> = { MM: probs[0] ?? 0, HF: probs[1] ?? 0 };
  const kind: ArtefactKind = scores.HF > scores.MM ? 'HF' : 'MM';
  const result = { kind, confidence: scores[kind], scores };
  tracer.report({
    source: 'classify',
    message: `Classified as ${kind} (${(result.confidence * 100).toFixed(1)}%)`,
    data: { kind, confidence: result.confidence, scores, labels: [...ARTEFACT_KINDS] },
  });
  return result;
};
