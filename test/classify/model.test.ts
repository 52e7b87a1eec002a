import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readModelContext } from '../../src/model-store/context.js';
import { defaultContextFile } from '../../src/model-store/locate.js';
import { ARTEFACT_CLASSIFIER_MODEL, CLASSIFIER_INPUT_SIZE, defaultClassifierFile, loadArtefactClassifier } from '../../src/pipelines/classify/model.js';
import { toInputTensor } from '../../src/pipelines/classify/preprocess.js';

const modelDir = path.dirname(defaultClassifierFile());

interface TrainingReport {
  sha256: string;
  labels: string[];
  probe: { file: string; probs: number[] }[];
}
const report = async (): Promise<TrainingReport> => JSON.parse(await readFile(path.join(modelDir, 'training-report.json'), 'utf8')) as TrainingReport;

describe('the committed artefact classifier', () => {
  it('matches the sha256 in the registry and in its training report', async () => {
    const bytes = await readFile(defaultClassifierFile());
    const sha = createHash('sha256').update(bytes).digest('hex');
    const entry = (await readModelContext(defaultContextFile())).find((m) => m.name === ARTEFACT_CLASSIFIER_MODEL);
    expect(entry?.sha256).toBe(sha);
    expect(entry?.bytes).toBe(bytes.length);
    expect((await report()).sha256).toBe(sha);
  });

  it('gives in onnxruntime the probabilities torch gave at export', async () => {
    const { probe, labels } = await report();
    expect(labels).toEqual(['mm', 'hf']); // the training script's names for MM and HF, in output order
    expect(probe.length).toBeGreaterThanOrEqual(4);
    const classifier = await loadArtefactClassifier();
    for (const item of probe) {
      // Lossless PNGs at the input size: both sides see exactly the same pixels.
      const { data, info } = await sharp(path.join(modelDir, 'parity', item.file)).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([CLASSIFIER_INPUT_SIZE, CLASSIFIER_INPUT_SIZE, 3]);
      const probs = await classifier.run(toInputTensor(data));
      probs.forEach((p, k) => expect(Math.abs(p - (item.probs[k] ?? Number.NaN))).toBeLessThan(1e-4));
    }
  });
});
