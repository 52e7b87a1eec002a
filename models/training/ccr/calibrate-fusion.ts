/**
 * Chooses the fusion weights (src/ocr/fusion.ts) on synthetic column pages made by synth_columns.py,
 * never on a real scan: reads every page with each pair of weights and prints the CER per pair, then
 * PP-OCR alone and our classifier alone for comparison, and the best pair last. Model outputs are
 * memoised by input, so every pair after the first costs only the engine's own pre- and post-processing.
 * Usage: npx tsx models/training/ccr/calibrate-fusion.ts DIR   (DIR holds page-NN.jpg + page-NN.gt.txt)
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type ort from 'onnxruntime-node';
import { editDistance, referenceLength } from '../../../src/ocr/cer.js';
import { createOcrEngine, defaultOcrOptions, type OcrOptions } from '../../../src/ocr/engine.js';
import { sharedOcrModels, type OcrModels } from '../../../src/ocr/models.js';
import { collectingTracer } from '../../../src/tracing/tracer.js';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: npx tsx models/training/ccr/calibrate-fusion.ts DIR');
  process.exit(2);
}
const names = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
const pages = await Promise.all(
  names.map(async (f) => ({
    bytes: await readFile(path.join(dir, f)),
    reference: (await readFile(path.join(dir, f.replace(/\.jpg$/, '.gt.txt')), 'utf8')).replace(/\s+/g, ''),
  })),
);
const digest = (data: ArrayBufferView, extra: string): string =>
  createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).update(extra).digest('hex');

const memoSession = (session: ort.InferenceSession): ort.InferenceSession => {
  const seen = new Map<string, Promise<ort.InferenceSession.OnnxValueMapType>>();
  const run = (feeds: ort.InferenceSession.FeedsType): Promise<ort.InferenceSession.OnnxValueMapType> => {
    const input = Object.values(feeds)[0] as ort.Tensor;
    const key = digest(input.data as Float32Array, input.dims.join('x'));
    let out = seen.get(key);
    if (out === undefined) seen.set(key, (out = session.run(feeds)));
    return out;
  };
  return new Proxy(session, { get: (target, prop) => (prop === 'run' ? run : Reflect.get(target, prop)) });
};

const loaded = await sharedOcrModels();
if (loaded.characters === null) throw new Error('our classifier (models/ccr) is not installed');
const classifier = loaded.characters;
const classified = new Map<string, ReturnType<typeof classifier.classify>>();
const models: OcrModels = {
  ...loaded,
  detection: memoSession(loaded.detection),
  recognition: memoSession(loaded.recognition),
  angle: loaded.angle === null ? null : memoSession(loaded.angle),
  characters: {
    ...classifier,
    classify: (cells, n, top) => {
      const key = digest(cells.subarray(0, n * 1024), `${n}/${top ?? 5}`);
      let out = classified.get(key);
      if (out === undefined) classified.set(key, (out = classifier.classify(cells, n, top)));
      return out;
    },
  },
};

const cer = async (options: OcrOptions): Promise<number> => {
  const engine = createOcrEngine(models, options);
  let errors = 0;
  let length = 0;
  for (const page of pages) {
    const read = await engine.readPage(page.bytes, collectingTracer().tracer);
    errors += editDistance(page.reference, read.lines.filter((l) => l.kind !== 'note').map((l) => l.text).join(''));
    length += referenceLength(page.reference);
  }
  return errors / length;
};

console.log(`${pages.length} pages`);
console.log(`ppocr CER=${(await cer({ ...defaultOcrOptions, columnReader: 'ppocr' })).toFixed(4)}`);
const insertMins = [0.3, 0.5, 0.7, 0.9, 1.01];
console.log(`ccr   CER=${(await cer({ ...defaultOcrOptions, columnReader: 'ccr', fusion: { ppOcr: 0, insertMin: 0.5 } })).toFixed(4)} (insertMin 0.5)`);
let best = { ppOcr: 0, insertMin: 0, cer: Infinity };
for (const ppOcr of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
  for (const insertMin of insertMins) {
    const value = await cer({ ...defaultOcrOptions, columnReader: 'fusion', fusion: { ppOcr, insertMin } });
    console.log(`fusion ppOcr=${ppOcr} insertMin=${insertMin} CER=${value.toFixed(4)}`);
    if (value < best.cer) best = { ppOcr, insertMin, cer: value };
  }
}
console.log(`best ppOcr=${best.ppOcr} insertMin=${best.insertMin} CER=${best.cer.toFixed(4)}`);
