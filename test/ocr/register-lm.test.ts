import { describe, expect, it } from 'vitest';
import { decodeCharLm, encodeCharLm, loadCharLm, type CharLm, type CharLmTables } from '../../src/ocr/char-lm.js';
import { decodeColumn, defaultDecoderWeights, type Slot } from '../../src/ocr/column-decoder.js';
import { decodeCtcInContext } from '../../src/ocr/ctc-context.js';
import { committedCharLmFile } from '../../src/ocr/models.js';
import type { Candidate } from '../../src/ocr/types.js';
import { isAppError } from '../../src/errors.js';

/**
 * A hand-made trigram model: after 一 alone, 日 is likely and 曰 is not (a date), but after 章一 (a
 * clause of a charter) 曰 is likely, and after 月一 日 is. Everything else backs off.
 */
const VOCABULARY = ['一', '曰', '日', '章', '月'];
const V = VOCABULARY.length;
const at = (c: string): number => VOCABULARY.indexOf(c);
const tables = (withTrigrams: boolean): CharLmTables => {
  const bigrams = [
    { key: at('一') * V + at('日'), logP: Math.log(0.5) },
    { key: at('一') * V + at('曰'), logP: Math.log(0.05) },
  ].sort((a, b) => a.key - b.key);
  // Contexts sorted by u·V + v: 章一 (3·5 + 0 = 15) before 月一 (20).
  const trigrams = {
    contextKeys: Uint32Array.of(at('章') * V + at('一'), at('月') * V + at('一')),
    contextBackoffLogW: Float32Array.of(Math.log(0.2), Math.log(0.1)),
    starts: Uint32Array.of(0, 1, 2),
    next: Uint32Array.of(at('曰'), at('日')),
    logP: Float32Array.of(Math.log(0.8), Math.log(0.9)),
  };
  return {
    vocabulary: VOCABULARY,
    unigramLogP: new Float32Array(V).fill(Math.log(1 / V)),
    backoffLogW: new Float32Array(V).fill(Math.log(0.5)),
    bigramKeys: Uint32Array.from(bigrams, (b) => b.key),
    bigramLogP: Float32Array.from(bigrams, (b) => b.logP),
    ...(withTrigrams ? { trigrams } : {}),
    unknownLogP: Math.log(1e-6),
  };
};
const trigramLm = (): CharLm => decodeCharLm(encodeCharLm(tables(true)));
const bigramLm = (): CharLm => decodeCharLm(encodeCharLm(tables(false)));

const cand = (char: string, score: number): Candidate => ({ char, raw: char, score, models: ['pp-ocrv5'] });
const sure = (char: string): Slot => ({ candidates: [cand(char, 0.95)], optional: false });
/** A cell the recogniser reads as `first` with probability p, else `second`. */
const between = (first: string, second: string, p: number): Slot => ({ candidates: [cand(first, p), cand(second, 1 - p)], optional: false });

const expectCorrupt = (bytes: Uint8Array): void => {
  try {
    decodeCharLm(bytes);
    expect.unreachable();
  } catch (error) {
    expect(isAppError(error) && error.code).toBe('MODEL_CORRUPT');
  }
};

describe('character trigram model file (version 2)', () => {
  it('round-trips its trigram tables and backs off from trigram to bigram to unigram', () => {
    const lm = trigramLm();
    expect(lm).toMatchObject({ order: 3, vocabularySize: 5, bigrams: 2, trigrams: 2 });
    expect(lm.logP('章一', '曰')).toBeCloseTo(Math.log(0.8), 5);
    expect(lm.logP('月一', '日')).toBeCloseTo(Math.log(0.9), 5);
    // Only the last two characters of the history count.
    expect(lm.logP('月月章一', '曰')).toBeCloseTo(Math.log(0.8), 5);
    // A third character not stored under its context: the context's back-off weight times the bigram estimate.
    expect(lm.logP('章一', '日')).toBeCloseTo(Math.log(0.2 * 0.5), 5);
    // A context without trigrams, or a history of one character: the bigram estimate.
    expect(lm.logP('一一', '日')).toBeCloseTo(Math.log(0.5), 5);
    expect(lm.logP('一', '曰')).toBeCloseTo(Math.log(0.05), 5);
    expect(lm.logP('曰', '一')).toBeCloseTo(Math.log(0.5 / 5), 5);
    expect(lm.logP('', '章')).toBeCloseTo(Math.log(1 / 5), 5);
    expect(lm.logP('章一', '龘')).toBeCloseTo(Math.log(1e-6), 5);
    expect(bigramLm()).toMatchObject({ order: 2, trigrams: 0 });
    expect(bigramLm().logP('章一', '曰')).toBeCloseTo(Math.log(0.05), 5);
  });

  it('refuses a version-1 file, a truncated one and inconsistent trigram tables', () => {
    const bytes = encodeCharLm(tables(true));
    const v1 = Buffer.from(bytes);
    v1.write('ACLM1\n', 0, 'latin1');
    expectCorrupt(v1);
    expectCorrupt(bytes.subarray(0, bytes.length - 4));
    const bad = tables(true);
    expectCorrupt(encodeCharLm({ ...bad, trigrams: { ...bad.trigrams!, starts: Uint32Array.of(0, 1, 1) } }));
  });
});

describe('decoding with two characters of context', () => {
  const weights = { lm: 1, charBonus: 2, skipLogP: Math.log(0.5) };

  it('the column decoder reads the same unsure cell 曰 after 章一 and 日 after 月一', () => {
    const column = (first: string): Slot[] => [sure(first), sure('一'), between('日', '曰', 0.55)];
    expect(decodeColumn(column('章'), trigramLm(), weights)).toEqual([0, 0, 1]);
    expect(decodeColumn(column('月'), trigramLm(), weights)).toEqual([0, 0, 0]);
    // With one character of context both are read 日.
    expect(decodeColumn(column('章'), bigramLm(), weights)).toEqual([0, 0, 0]);
  });

  it('the column decoder keeps a choice that only pays off two cells later', () => {
    // 章 or 月 is unsure; the last cell is 曰 for certain, which only 章一 predicts.
    const column: Slot[] = [between('月', '章', 0.55), sure('一'), { candidates: [cand('曰', 0.99)], optional: false }];
    expect(decodeColumn(column, trigramLm(), weights)).toEqual([1, 0, 0]);
  });

  it('CTC decoding in context reads 曰 after 章一 where the frame leans to 日', () => {
    const alphabet = ['', ...VOCABULARY];
    const row = (p: Record<string, number>): number[] => alphabet.map((c, i) => (i === 0 ? (p['_'] ?? 0) : (p[c] ?? 0)));
    const frames = (first: string): number[][] => [row({ [first]: 0.95, _: 0.05 }), row({ 一: 0.95, _: 0.05 }), row({ 日: 0.5, 曰: 0.4, _: 0.1 }), row({ _: 1 })];
    const read = (first: string, lm: CharLm): string => {
      const rows = frames(first);
      const out = { probs: Float32Array.from(rows.flat()), frames: rows.length, classes: alphabet.length };
      return decodeCtcInContext(out, alphabet, rows.length, { lm, weights: { lm: 1, charBonus: 2, beam: 8 }, toChar: (raw) => raw })
        .map((c) => c.raw)
        .join('');
    };
    expect(read('章', trigramLm())).toBe('章一曰');
    expect(read('月', trigramLm())).toBe('月一日');
    expect(read('章', bigramLm())).toBe('章一日');
  });
});

describe('the committed register model', () => {
  const read = (lm: CharLm, slots: readonly Slot[]): string =>
    decodeColumn(slots, lm, defaultDecoderWeights)
      .map((pick, i) => slots[i]!.candidates[pick]!.char)
      .join('');
  /** A column of `text` whose cells at the positions in `lookAlikes` are read as that look-alike (0.6) or as the right character (0.4). */
  const misleading = (text: string, lookAlikes: Record<number, string>): Slot[] =>
    [...text].map((c, i) => (lookAlikes[i] === undefined ? sure(c) : between(lookAlikes[i]!, c, 0.6)));

  it('is a trigram model', async () => {
    const lm = await loadCharLm(committedCharLmFile());
    expect(lm.order).toBe(3);
    expect(lm.trigrams).toBeGreaterThan(100_000);
  });

  it('keeps the enumerated clauses 一曰, 二曰, 三曰 the recogniser leans to, and a date 日 where it leans to 曰', async () => {
    const lm = await loadCharLm(committedCharLmFile());
    // The sample page's column 9, each 曰 read 曰 (0.7) or 日 (0.3): the bigram model made them all 日
    // (it kept them from 0.9 on).
    const clauses = '有二章一曰商會宗旨二曰定名立案三曰聯';
    expect(read(lm, [...clauses].map((c) => (c === '曰' ? between('曰', '日', 0.7) : sure(c))))).toBe(clauses);
    // The same visual evidence for 曰 does not turn a date's 日 into 曰.
    expect(read(lm, misleading('自去冬十一月廿二日起', { 8: '曰' }))).toBe('自去冬十一月廿二日起');
    expect(read(lm, misleading('本月十二日下午開會', { 4: '曰' }))).toBe('本月十二日下午開會');
  });

  it('reads the look-alikes 已/己, 末/未 and 士/土 by their context', async () => {
    const lm = await loadCharLm(committedCharLmFile());
    for (const [text, position, lookAlike] of [
      ['不得已而為之', 2, '己'],
      ['克己復禮', 1, '已'],
      ['本末倒置', 1, '未'],
      ['尚未辦妥', 1, '末'],
      ['諸紳士商董', 2, '土'],
      ['割讓領土', 3, '士'],
    ] as const) {
      expect(read(lm, misleading(text, { [position]: lookAlike })), text).toBe(text);
    }
  });
});
