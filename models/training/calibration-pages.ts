/**
 * Shared by the calibration scripts (ccr/calibrate-fusion.ts, lm/calibrate-context.ts): loads a
 * folder of synthetic pages (page-NN.jpg + page-NN.gt.txt, from ccr/synth_columns.py) and the OCR
 * models with every model output memoised by its input, so that reading the pages again with other
 * engine options costs only the engine's own pre- and post-processing.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type ort from 'onnxruntime-node';
import { editDistance, referenceLength } from '../../src/ocr/cer.js';
import { loadCharLm } from '../../src/ocr/char-lm.js';
import { createOcrEngine, type OcrOptions } from '../../src/ocr/engine.js';
import { sharedOcrModels, type OcrModels } from '../../src/ocr/models.js';
import { collectingTracer } from '../../src/tracing/tracer.js';

export interface CalibrationPage {
  bytes: Buffer;
  /** The ground truth's columns joined, whitespace removed. */
  reference: string;
}

export const loadCalibrationPages = async (dir: string): Promise<CalibrationPage[]> => {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
  return Promise.all(
    names.map(async (f) => ({
      bytes: await readFile(path.join(dir, f)),
      reference: (await readFile(path.join(dir, f.replace(/\.jpg$/, '.gt.txt')), 'utf8')).replace(/\s+/g, ''),
    })),
  );
};

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

/**
 * The packaged models with memoised outputs; our classifier and the language model are required.
 * `lm`: another language model file in place of the committed one.
 */
export const memoisedOcrModels = async (lm?: string): Promise<OcrModels> => {
  const packaged = await sharedOcrModels();
  const loaded = lm === undefined ? packaged : { ...packaged, languageModel: await loadCharLm(lm) };
  if (loaded.characters === null) throw new Error('our classifier (models/ccr) is not installed');
  if (loaded.languageModel === null) throw new Error('the character language model (models/lm) is not installed');
  const classifier = loaded.characters;
  const classified = new Map<string, ReturnType<typeof classifier.classify>>();
  return {
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
};

/** CER over all pages (columns joined, notes left out) with these engine options. */
export const pagesCer = async (models: OcrModels, pages: readonly CalibrationPage[], options: OcrOptions): Promise<number> => {
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

/**
 * What a calibration script starts with: the pages of the folder named on its command line, and the
 * memoised models (`--lm FILE`: with that language model instead of the committed one).
 */
export const calibrationSetup = async (script: string): Promise<{ pages: CalibrationPage[]; models: OcrModels }> => {
  const args = process.argv.slice(2);
  const lmAt = args.indexOf('--lm');
  const lm = lmAt >= 0 ? args.splice(lmAt, 2)[1] : undefined;
  const dir = args[0];
  if (dir === undefined || (lmAt >= 0 && lm === undefined)) {
    console.error(`usage: npx tsx ${script} DIR [--lm FILE]`);
    process.exit(2);
  }
  const pages = await loadCalibrationPages(dir);
  console.log(`${pages.length} pages${lm === undefined ? '' : `, language model ${lm}`}`);
  return { pages, models: await memoisedOcrModels(lm) };
};
