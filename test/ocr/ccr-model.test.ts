import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { CCR_MODEL_NAME, ccrCompanionFiles, loadCharClassifier, type CharClassifier } from '../../src/ocr/ccr-model.js';
import { createOcrEngine, defaultOcrOptions } from '../../src/ocr/engine.js';
import { committedCcrModelFile, sharedOcrModels } from '../../src/ocr/models.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR } from '../support/samples.js';

interface RegistryEntry {
  name: string;
  task: string;
  source: { kind: string; path: string };
  sha256: string;
  bytes: number;
}

interface Parity {
  labels: string[];
  cells: number[][];
  top5: string[][];
  top5Logits: number[][];
}

/** Big5 level 1 (0xA440–0xC67E), decoded the way the training script derives its vocabulary. */
const big5Level1 = (): string[] => {
  const decoder = new TextDecoder('big5', { fatal: true });
  const out: string[] = [];
  for (let hi = 0xa4; hi <= 0xc6; hi++) {
    for (const lo of [...Array.from({ length: 0x3f }, (_, i) => 0x40 + i), ...Array.from({ length: 0x5e }, (_, i) => 0xa1 + i)]) {
      const code = hi * 256 + lo;
      if (code < 0xa440 || code > 0xc67e) continue;
      try {
        out.push(decoder.decode(new Uint8Array([hi, lo])));
      } catch {
        // Unassigned code points inside the range.
      }
    }
  }
  return out;
};

describe('our character classifier (models/ccr)', () => {
  const file = committedCcrModelFile();
  let entry: RegistryEntry;
  let classifier: CharClassifier;

  beforeAll(async () => {
    const registry = JSON.parse(await readFile(path.resolve(process.cwd(), 'models/context.json'), 'utf8')) as { models: RegistryEntry[] };
    entry = registry.models.find((m) => m.name === CCR_MODEL_NAME)!;
    classifier = await loadCharClassifier(file);
  });

  it('is registered and matches its size and SHA-256', async () => {
    expect(entry).toMatchObject({ task: 'ocr.character', source: { kind: 'file', path: `ccr/${CCR_MODEL_NAME}.onnx` } });
    const bytes = await readFile(file);
    expect(bytes.length).toBe(entry.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
  });

  it('has the Big5 level-1 vocabulary, 5,401 characters, and a training record that names the same file', async () => {
    expect(classifier.vocabulary).toHaveLength(5401);
    expect(classifier.vocabulary).toEqual(big5Level1());
    expect(classifier.vocabulary).toEqual(expect.arrayContaining(['議', '舉', '說', '勸', '曰']));
    const record = JSON.parse(await readFile(ccrCompanionFiles(file).metadata, 'utf8')) as { sha256: string; classes: number; temperature: number };
    expect(record.sha256).toBe(entry.sha256);
    expect(record.classes).toBe(5401);
    expect(classifier.temperature).toBe(record.temperature);
  });

  it('gives in onnxruntime-node what the trained network gave in torch', async () => {
    const parity = JSON.parse(await readFile(path.resolve(process.cwd(), 'test/ocr/fixtures/ccr-parity.json'), 'utf8')) as Parity;
    const n = parity.cells.length;
    const read = await classifier.classify(Float32Array.from(parity.cells.flat()), n);
    for (let i = 0; i < n; i++) expect(read[i]!.map((c) => c.raw)).toEqual(parity.top5[i]);
    // Calibrated probabilities follow from torch's logits and the temperature.
    for (let i = 0; i < n; i++) {
      const logits = parity.top5Logits[i]!;
      const ratio = Math.exp((logits[1]! - logits[0]!) / classifier.temperature);
      expect(read[i]![1]!.score / read[i]![0]!.score).toBeCloseTo(ratio, 3);
    }
  });

  it('without it, a fusion reading falls back to PP-OCR alone, with a warning', async () => {
    const bytes = await readFile(path.join(SAMPLES_DIR, 'minutes-page.jpg'));
    const models = await sharedOcrModels();
    const traced = collectingTracer();
    const without = await createOcrEngine({ ...models, characters: null }, { ...defaultOcrOptions, columnReader: 'fusion' }).readPage(bytes, traced.tracer);
    const ppOcr = await createOcrEngine(models, { ...defaultOcrOptions, columnReader: 'ppocr' }).readPage(bytes, collectingTracer().tracer);
    expect(without.text).toBe(ppOcr.text);
    expect(without.lines.flatMap((l) => l.chars).every((c) => c.model === 'pp-ocrv5')).toBe(true);
    expect(traced.reports.some((r) => r.level === 'warn' && r.message.includes('character classifier not installed'))).toBe(true);
  });

  it('names itself when its file is missing', async () => {
    const error = await loadCharClassifier('/nowhere/ccr.onnx').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('MODEL_MISSING');
    expect((error as AppError).message).toContain(CCR_MODEL_NAME);
  });
});
