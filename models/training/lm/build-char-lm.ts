/**
 * Builds `models/lm/zh-hant-char-lm.bin`: a Traditional Chinese character trigram model for the OCR
 * engine's column decoding (src/ocr/char-lm.ts reads it; the format is written down there). Run by
 * build-char-lm.sh, which installs the sources (sources.ts reads them).
 *
 * Sources, each scaled to a share of the running text's weight (SHARES):
 * - Debian fortunes-zh (GPL-3.0+): quotations, much of it classical, Tang poems and Song lyrics, as
 *   running text. Weight 1 an occurrence: the unit the other shares are measured in.
 * - Debian python3-jieba's dict.txt (MIT): 349k Simplified words with corpus frequencies; word-internal
 *   n-grams at real frequencies (what tells 章程 from 車程).
 * - Debian libchewing3-data's phrase list (LGPL-2.1): 147k Traditional (Taiwan) phrases, no frequencies.
 * - npm chinese-poetry (MIT): classical prose, the register of the minutes (子曰, 一曰, 之, 以, 已而):
 *   the Four Books, the Analects, the primers written as prose and 幽夢影 (sources.ts, CLASSICAL_FILES).
 *
 * Smoothing: interpolated absolute discounting at every order, with a Kneser–Ney continuation unigram:
 * P(w|h) = max(c(h,w) − D, 0)/c(h) + α(h)·P(w|h′), h′ the history without its first character and
 * α(h) = D·T(h)/c(h) (T: distinct followers). An n-gram weighing no more than D equals its back-off
 * estimate exactly, so it is not stored. With the word lists' fractional counts, α as the mass the
 * discount left (1 − Σ max(c − D, 0)/c) read held-out text worse (modern 5.51 against 5.39 nats a
 * character for the bigram model), so the bigram level stays as it was. Trigrams come from running
 * text only (see below), whose counts are whole occurrences.
 *
 * Usage: npx tsx models/training/lm/build-char-lm.ts [--out FILE.bin] [--classical SHARE] [--order 2|3]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeCharLm, type CharLmTables, type TrigramTables } from '../../../src/ocr/char-lm.js';
import { CLASSICAL_FILES, fileRuns, hanRuns } from './sources.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const out = option('--out', 'models/lm/zh-hant-char-lm.bin');
const ORDER = Number(option('--order', '3'));

const FILES = {
  jieba: '/usr/lib/python3/dist-packages/jieba/dict.txt',
  fortunes: ['/usr/share/games/fortunes/chinese', '/usr/share/games/fortunes/tang300', '/usr/share/games/fortunes/song100'],
  chewing: '/usr/share/libchewing/dictionary.dat',
};
/**
 * Each source's weight in characters, as a multiple of the running text's. The word lists' shares
 * are the bigram model's (lower ones lowered the cross-entropy but read the calibration pages worse);
 * the classical prose's was chosen on held-out text and pages (docs/ocr.md).
 */
const SHARES = { fortunes: 1, words: 2, phrases: 1.2, classical: Number(option('--classical', '1')) };
/** Discounts of the absolute-discounting estimate: bigrams (the bigram model's) and trigrams (0.75: modern 5.45, classical 6.84 nats a character; 0.9: 5.42, 6.81; 0.95: no better). */
const DISCOUNT = { bigram: 0.75, trigram: 0.9 };

/** Weighted counts of every n-gram up to ORDER, keyed by the n-gram's characters. */
const counts: Map<string, number>[] = Array.from({ length: ORDER }, () => new Map<string, number>());

interface Weighted {
  run: string;
  weight: number;
}
const weightOf = (list: readonly Weighted[]): number => list.reduce((s, r) => s + r.weight * [...r.run].length, 0);

/**
 * Adds a source's Han runs up to `order`, scaled so that its characters weigh `share` × `unit`. The
 * unit is the running text's size, so its counts are real occurrence counts and the discount keeps its sense.
 */
const addSource = (list: readonly Weighted[], share: number, unit: number, order: number): { runs: number; characters: number } => {
  const characters = weightOf(list);
  const scale = (share * unit) / characters;
  for (const { run, weight } of list) {
    const chars = [...run];
    for (let end = 1; end <= chars.length; end++) {
      for (let n = 1; n <= order && n <= end; n++) {
        const key = chars.slice(end - n, end).join('');
        const table = counts[n - 1]!;
        table.set(key, (table.get(key) ?? 0) + weight * scale);
      }
    }
  }
  return { runs: list.length, characters: Math.round(characters) };
};

const once = (run: string): Weighted => ({ run, weight: 1 });
const words = readFileSync(FILES.jieba, 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .filter((f) => f.length >= 2 && Number(f[1]) > 0)
  .flatMap((f) => hanRuns(f[0]!).map((run) => ({ run, weight: Number(f[1]) })));
const phrases = readFileSync(FILES.chewing)
  .toString('utf8')
  .split('\0')
  .filter((p) => /^\p{Script=Han}+$/u.test(p))
  .map(once);
// The fortune files carry terminal colour codes.
const fortunes = FILES.fortunes.flatMap((f) => hanRuns(readFileSync(f, 'utf8').replace(/\x1b\[[0-9;]*m/g, ''))).map(once);
const classical = CLASSICAL_FILES.flatMap(fileRuns).map(once);

const unit = weightOf(fortunes) / SHARES.fortunes;
// The word lists give bigrams only: a word's frequency makes counts of thousands over a handful of
// followers, so their trigrams left almost nothing to the back-off (held-out text read worse).
const sources = {
  fortunes: { files: FILES.fortunes, ...addSource(fortunes, SHARES.fortunes, unit, ORDER) },
  words: { file: FILES.jieba, ...addSource(words, SHARES.words, unit, 2) },
  phrases: { file: FILES.chewing, ...addSource(phrases, SHARES.phrases, unit, 2) },
  ...(SHARES.classical > 0 ? { classical: { files: CLASSICAL_FILES, ...addSource(classical, SHARES.classical, unit, ORDER) } } : {}),
};

// Vocabulary, most frequent first.
const unigram = counts[0]!;
const vocabulary = [...unigram.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
const index = new Map(vocabulary.map((c, i) => [c, i]));
const V = vocabulary.length;
const total = [...unigram.values()].reduce((s, x) => s + x, 0);

// Continuation unigram (how many characters a character follows), mixed with the plain one so
// characters seen only at run starts keep some mass.
const leftContexts = new Float64Array(V);
for (const key of counts[1]!.keys()) {
  const w = index.get([...key][1]!)!;
  leftContexts[w] = leftContexts[w]! + 1;
}
const bigramTypes = counts[1]!.size;
const unigramLogP = Float32Array.from(vocabulary, (c, i) => Math.log(0.8 * ((leftContexts[i]! + 0.5) / (bigramTypes + 0.5 * V)) + 0.2 * (unigram.get(c)! / total)));

/**
 * One order's stored n-grams and the back-off weight of each history: discounted counts over the
 * history's total, the rest of its mass on the lower order (`lower(history′, w)`, a log probability).
 */
const level = (table: Map<string, number>, lower: (history: string, w: string) => number, discount: number): { stored: Map<string, number>; backoff: Map<string, number> } => {
  const byHistory = new Map<string, { total: number; types: number; kept: [string, number][] }>();
  for (const [key, count] of table) {
    const chars = [...key];
    const history = chars.slice(0, -1).join('');
    let at = byHistory.get(history);
    if (at === undefined) byHistory.set(history, (at = { total: 0, types: 0, kept: [] }));
    at.total += count;
    at.types++;
    if (count > discount) at.kept.push([chars.at(-1)!, count - discount]);
  }
  const stored = new Map<string, number>();
  const backoff = new Map<string, number>();
  for (const [history, { total: sum, types, kept }] of byHistory) {
    const alpha = (discount * types) / sum;
    backoff.set(history, Math.log(alpha));
    const shorter = [...history].slice(1).join('');
    for (const [w, c] of kept) stored.set(history + w, Math.log(c / sum + alpha * Math.exp(lower(shorter, w))));
  }
  return { stored, backoff };
};

const bigrams = level(counts[1]!, (_h, w) => unigramLogP[index.get(w)!]!, DISCOUNT.bigram);
const bigramLog = (v: string, w: string): number => bigrams.stored.get(v + w) ?? (bigrams.backoff.get(v) ?? 0) + unigramLogP[index.get(w)!]!;
const backoffLogW = Float32Array.from(vocabulary, (c) => bigrams.backoff.get(c) ?? 0);
const bigramList = [...bigrams.stored.entries()]
  .map(([key, logP]) => {
    const [v, w] = [...key];
    return { key: index.get(v!)! * V + index.get(w!)!, logP };
  })
  .sort((a, b) => a.key - b.key);

const trigramTables = (): TrigramTables => {
  const { stored, backoff } = level(counts[2]!, bigramLog, DISCOUNT.trigram);
  const byContext = new Map<number, { next: number; logP: number }[]>();
  for (const [key, logP] of stored) {
    const [u, v, w] = [...key].map((c) => index.get(c)!);
    const context = u! * V + v!;
    let list = byContext.get(context);
    if (list === undefined) byContext.set(context, (list = []));
    list.push({ next: w!, logP });
  }
  const contexts = [...byContext.keys()].sort((a, b) => a - b);
  const starts = new Uint32Array(contexts.length + 1);
  const next: number[] = [];
  const logP: number[] = [];
  contexts.forEach((context, i) => {
    starts[i] = next.length;
    for (const t of byContext.get(context)!.sort((a, b) => a.next - b.next)) {
      next.push(t.next);
      logP.push(t.logP);
    }
  });
  starts[contexts.length] = next.length;
  const history = (context: number): string => vocabulary[Math.floor(context / V)]! + vocabulary[context % V]!;
  return {
    contextKeys: Uint32Array.from(contexts),
    contextBackoffLogW: Float32Array.from(contexts, (c) => backoff.get(history(c))!),
    starts,
    next: Uint32Array.from(next),
    logP: Float32Array.from(logP),
  };
};

const tables: CharLmTables = {
  vocabulary,
  unigramLogP,
  backoffLogW,
  bigramKeys: Uint32Array.from(bigramList, (b) => b.key),
  bigramLogP: Float32Array.from(bigramList, (b) => b.logP),
  ...(ORDER >= 3 ? { trigrams: trigramTables() } : {}),
  unknownLogP: Math.log(0.5 / (bigramTypes + 0.5 * V)),
};
const bytes = encodeCharLm(tables);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, bytes);
const record = {
  file: path.basename(out),
  bytes: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  command: `npx tsx models/training/lm/build-char-lm.ts ${args.join(' ')}`.trim(),
  order: ORDER,
  sources,
  shares: SHARES,
  discount: DISCOUNT,
  vocabulary: V,
  seen: counts.map((t) => t.size),
  kept: { bigrams: tables.bigramKeys.length, trigramContexts: tables.trigrams?.contextKeys.length ?? 0, trigrams: tables.trigrams?.next.length ?? 0 },
};
writeFileSync(out.replace(/\.bin$/, '.json'), `${JSON.stringify(record, null, 2)}\n`);
console.log(JSON.stringify(record, null, 2));
