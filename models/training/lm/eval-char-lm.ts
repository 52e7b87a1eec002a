/**
 * Measures a character language model on held-out text: nats per character (cross-entropy), bigram
 * against the model's own unigram. Held-out sets: modern Traditional UI text (locale_text.py) and
 * classical prose (chinese-poetry's Guwen Guanzhi, kept out of the build).
 * Usage: npx tsx models/training/lm/eval-char-lm.ts MODEL.bin TEXT_OR_JSON...
 */
import { readFileSync } from 'node:fs';
import OpenCC from 'opencc-js';
import { loadCharLm } from '../../../src/ocr/char-lm.js';

const [model, ...files] = process.argv.slice(2);
if (model === undefined || files.length === 0) {
  console.error('usage: npx tsx models/training/lm/eval-char-lm.ts MODEL.bin TEXT_OR_JSON...');
  process.exit(2);
}
const lm = await loadCharLm(model);
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
console.log('file | characters | bigram nats/char | unigram nats/char');
for (const file of files) {
  const runs = toTraditional(readFileSync(file, 'utf8')).match(/\p{Script=Han}+/gu) ?? [];
  let bigram = 0;
  let unigram = 0;
  let n = 0;
  for (const run of runs) {
    const chars = [...run];
    chars.forEach((c, i) => {
      bigram += lm.logP(i > 0 ? chars[i - 1]! : null, c);
      unigram += lm.logP(null, c);
      n++;
    });
  }
  console.log(`${file} | ${n} | ${(-bigram / n).toFixed(3)} | ${(-unigram / n).toFixed(3)}`);
}
