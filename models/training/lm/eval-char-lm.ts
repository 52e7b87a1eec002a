/**
 * Measures a character language model on held-out text: nats per character (cross-entropy) with
 * the model's whole context, and with its unigram alone. Held-out sets: modern Traditional UI text
 * (locale_text.py) and classical prose (chinese-poetry's Guwen Guanzhi, kept out of the build).
 * Usage: npx tsx models/training/lm/eval-char-lm.ts MODEL.bin TEXT_OR_JSON...
 */
import { loadCharLm } from '../../../src/ocr/char-lm.js';
import { fileRuns } from './sources.js';

const [model, ...files] = process.argv.slice(2);
if (model === undefined || files.length === 0) {
  console.error('usage: npx tsx models/training/lm/eval-char-lm.ts MODEL.bin TEXT_OR_JSON...');
  process.exit(2);
}
const lm = await loadCharLm(model);
console.log(`file | characters | order-${lm.order} nats/char | unigram nats/char`);
for (const file of files) {
  let inContext = 0;
  let unigram = 0;
  let n = 0;
  for (const run of fileRuns(file)) {
    const chars = [...run];
    chars.forEach((c, i) => {
      inContext += lm.logP(chars.slice(Math.max(0, i - 2), i).join(''), c);
      unigram += lm.logP('', c);
      n++;
    });
  }
  console.log(`${file} | ${n} | ${(-inContext / n).toFixed(3)} | ${(-unigram / n).toFixed(3)}`);
}
