/**
 * Builds `models/lm/zh-hant-char-lm.bin`: a Traditional Chinese character bigram model for the OCR
 * engine's column decoding (src/ocr/char-lm.ts reads it; the format is written down there). Run by
 * build-char-lm.sh, which installs the sources.
 *
 * Sources (Debian packages), each scaled to a share of the running text's weight (SHARES):
 * - fortunes-zh (GPL-3.0+): quotations, much of it classical, Tang poems and Song lyrics, as running
 *   text, so it gives bigrams across words and classical usage (子曰, 之, 以). Weight 1 an occurrence.
 * - python3-jieba's dict.txt (MIT): 349k Simplified words with corpus frequencies; word-internal
 *   bigrams at real frequencies.
 * - libchewing3-data's phrase list (LGPL-2.1): 147k Traditional (Taiwan) phrases, no frequencies.
 * Everything is converted with OpenCC cn→tw (phrase-aware; Traditional input passes through).
 * Adding 25 M characters of classical verse and 0.3 M of classical prose (npm chinese-poetry) made
 * the model worse on both held-out sets, at every share tried (docs/ocr.md), so they are not used.
 *
 * Smoothing: interpolated absolute discounting, P(w|v) = max(c(v,w) − D, 0)/c(v) + α(v)·P1(w) with
 * α(v) = D·T(v)/c(v) (T: distinct followers), and P1 a Kneser–Ney continuation unigram mixed with
 * a little of the plain unigram. Bigrams weighing less than the discount are left to the back-off.
 *
 * Usage: npx tsx models/training/lm/build-char-lm.ts [--out models/lm/zh-hant-char-lm.bin]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenCC from 'opencc-js';
import { encodeCharLm, type CharLmTables } from '../../../src/ocr/char-lm.js';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
const out = at >= 0 ? (args[at + 1] ?? '') : 'models/lm/zh-hant-char-lm.bin';

const SOURCES = {
  jieba: '/usr/lib/python3/dist-packages/jieba/dict.txt',
  fortunes: ['/usr/share/games/fortunes/chinese', '/usr/share/games/fortunes/tang300', '/usr/share/games/fortunes/song100'],
  chewing: '/usr/share/libchewing/dictionary.dat',
};
/**
 * Each source's weight in characters, as a multiple of the running text's. Lower shares for the word
 * lists give a lower cross-entropy on held-out text (0.02/0.02: 5.28 and 6.45 nats a character
 * against 5.39 and 6.83), because their bigrams then fall under the discount and only shape the
 * back-off; but OCR read worse with that model on the calibration pages (fusion in context 0.242
 * against 0.234): the word lists' bigrams are what tells 章程 from 車程. OCR is what counts here.
 */
const SHARES = { fortunes: 1, words: 2, phrases: 1.2 };
/** Discount of the absolute-discounting estimate. */
const DISCOUNT = 0.75;

const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
const HAN = /\p{Script=Han}+/gu;
const runs = (text: string): string[] => text.match(HAN) ?? [];

const unigram = new Map<string, number>();
const bigram = new Map<string, number>();

interface Weighted {
  run: string;
  weight: number;
}
const weightOf = (list: readonly Weighted[]): number => list.reduce((s, r) => s + r.weight * [...r.run].length, 0);

/**
 * Adds a source's Han runs, scaled so that its characters weigh `share` × `unit`. The unit is the
 * running text's size, so its counts are real occurrence counts and the discount keeps its sense.
 */
const addSource = (list: readonly Weighted[], share: number, unit: number): { runs: number; characters: number } => {
  const characters = weightOf(list);
  const scale = (share * unit) / characters;
  for (const { run, weight } of list) {
    const chars = [...run];
    chars.forEach((c, i) => {
      unigram.set(c, (unigram.get(c) ?? 0) + weight * scale);
      if (i > 0) {
        const key = chars[i - 1]! + c;
        bigram.set(key, (bigram.get(key) ?? 0) + weight * scale);
      }
    });
  }
  return { runs: list.length, characters: Math.round(characters) };
};

const text = (file: string): string => toTraditional(readFileSync(file, 'utf8'));
const once = (run: string): Weighted => ({ run, weight: 1 });

const words = readFileSync(SOURCES.jieba, 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .filter((f) => f.length >= 2 && Number(f[1]) > 0)
  .flatMap((f) => runs(toTraditional(f[0]!)).map((run) => ({ run, weight: Number(f[1]) })));
const phrases = readFileSync(SOURCES.chewing)
  .toString('utf8')
  .split('\0')
  .filter((p) => runs(p).length === 1 && runs(p)[0] === p)
  .map(once);
// The fortune files carry terminal colour codes.
const fortunes = SOURCES.fortunes.flatMap((f) => runs(text(f).replace(/\x1b\[[0-9;]*m/g, ''))).map(once);

const unit = weightOf(fortunes) / SHARES.fortunes;
const sources = {
  fortunes: { files: SOURCES.fortunes, ...addSource(fortunes, SHARES.fortunes, unit) },
  words: { file: SOURCES.jieba, ...addSource(words, SHARES.words, unit) },
  phrases: { file: SOURCES.chewing, ...addSource(phrases, SHARES.phrases, unit) },
};

// Vocabulary, most frequent first.
const vocabulary = [...unigram.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
const index = new Map(vocabulary.map((c, i) => [c, i]));
const V = vocabulary.length;
const total = [...unigram.values()].reduce((s, x) => s + x, 0);

const followers = new Float64Array(V);
const leftContexts = new Float64Array(V);
const context = new Float64Array(V);
for (const [key, count] of bigram) {
  const [v, w] = [...key] as [string, string];
  const vi = index.get(v)!;
  const wi = index.get(w)!;
  context[vi] = context[vi]! + count;
  followers[vi] = followers[vi]! + 1;
  leftContexts[wi] = leftContexts[wi]! + 1;
}
const bigramTypes = bigram.size;
// Continuation unigram, mixed with the plain one so characters seen only at run starts keep some mass.
const unigramLogP = new Float32Array(V);
vocabulary.forEach((c, i) => {
  const continuation = (leftContexts[i]! + 0.5) / (bigramTypes + 0.5 * V);
  const plain = unigram.get(c)! / total;
  unigramLogP[i] = Math.log(0.8 * continuation + 0.2 * plain);
});
const backoffLogW = new Float32Array(V);
for (let i = 0; i < V; i++) backoffLogW[i] = context[i]! > 0 ? Math.log((DISCOUNT * followers[i]!) / context[i]!) : 0;

const kept: { key: number; logP: number }[] = [];
for (const [key, count] of bigram) {
  // Bigrams under the discount would be stored at their back-off value anyway.
  if (count <= DISCOUNT) continue;
  const [v, w] = [...key] as [string, string];
  const vi = index.get(v)!;
  const wi = index.get(w)!;
  const p = Math.max(0, count - DISCOUNT) / context[vi]! + Math.exp(backoffLogW[vi]! + unigramLogP[wi]!);
  kept.push({ key: vi * V + wi, logP: Math.log(p) });
}
kept.sort((a, b) => a.key - b.key);

const tables: CharLmTables = {
  vocabulary,
  unigramLogP,
  backoffLogW,
  bigramKeys: Uint32Array.from(kept.map((b) => b.key)),
  bigramLogP: Float32Array.from(kept.map((b) => b.logP)),
  unknownLogP: Math.log(0.5 / (bigramTypes + 0.5 * V)),
};
const bytes = encodeCharLm(tables);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, bytes);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const record = {
  file: path.basename(out),
  bytes: bytes.length,
  sha256,
  command: `npx tsx models/training/lm/build-char-lm.ts --out ${out}`,
  sources,
  shares: SHARES,
  discount: DISCOUNT,
  vocabulary: V,
  bigramsSeen: bigramTypes,
  bigramsKept: kept.length,
};
writeFileSync(out.replace(/\.bin$/, '.json'), `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record, null, 2));
