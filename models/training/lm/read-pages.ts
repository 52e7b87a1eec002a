/**
 * Reads folders of synthetic pages (ccr/synth_columns.py) with the engine's current weights and
 * prints the CER of every column reader, without the language model and in context; with `--lm FILE`
 * (repeatable), in context with each of those language models instead of the committed one. Nothing
 * is tuned here: this is how the calibrated weights are measured on pages they were not chosen on.
 * Usage: npx tsx models/training/lm/read-pages.ts [--lm FILE]... DIR...
 */
import { loadCalibrationPages, memoisedOcrModels, pagesCer } from '../calibration-pages.js';
import { loadCharLm } from '../../../src/ocr/char-lm.js';
import { defaultOcrOptions, type OcrOptions } from '../../../src/ocr/engine.js';

const args = process.argv.slice(2);
const lms: string[] = [];
for (let at = args.indexOf('--lm'); at >= 0; at = args.indexOf('--lm')) lms.push(args.splice(at, 2)[1] ?? '');
if (args.length === 0 || lms.includes('')) {
  console.error('usage: npx tsx models/training/lm/read-pages.ts [--lm FILE]... DIR...');
  process.exit(2);
}
const models = await memoisedOcrModels();
const inContext = await Promise.all(
  (lms.length === 0 ? [{ label: 'committed', file: undefined }] : lms.map((file) => ({ label: file, file }))).map(async ({ label, file }) => ({
    label,
    models: file === undefined ? models : { ...models, languageModel: await loadCharLm(file) },
  })),
);
const readers: { label: string; options: OcrOptions }[] = [
  { label: 'ppocr', options: { ...defaultOcrOptions, columnReader: 'ppocr' } },
  { label: 'fusion', options: defaultOcrOptions },
];
for (const dir of args) {
  const pages = await loadCalibrationPages(dir);
  const characters = pages.reduce((s, p) => s + [...p.reference].length, 0);
  console.log(`${dir}: ${pages.length} pages, ${characters} characters`);
  for (const { label, options } of readers) {
    console.log(`  ${label}, no language model CER=${(await pagesCer(models, pages, { ...options, context: null })).toFixed(4)}`);
    for (const lm of inContext) console.log(`  ${label} in context (${lm.label}) CER=${(await pagesCer(lm.models, pages, options)).toFixed(4)}`);
  }
}
