import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAR_LM_NAME, decodeCharLm, encodeCharLm, loadCharLm, type CharLm } from '../../src/ocr/char-lm.js';
import { decodeColumn, type DecoderWeights, type Slot } from '../../src/ocr/column-decoder.js';
import { chooseInContext, type ColumnSlot } from '../../src/ocr/column-fusion.js';
import type { LineFrame } from '../../src/ocr/crop.js';
import { decodeCtc } from '../../src/ocr/ctc.js';
import { decodeCtcInContext, type CtcContextWeights } from '../../src/ocr/ctc-context.js';
import { committedCharLmFile } from '../../src/ocr/models.js';
import type { Candidate } from '../../src/ocr/types.js';
import { isAppError } from '../../src/errors.js';

/**
 * A hand-made bigram model over six characters: after 一, 曰 is likely and 日 is not; 商 is usually
 * followed by 會. Everything else backs off to a flat unigram.
 */
const tinyLm = (): CharLm => {
  const vocabulary = ['一', '曰', '日', '商', '會', '國'];
  const V = vocabulary.length;
  const key = (a: string, b: string): number => vocabulary.indexOf(a) * V + vocabulary.indexOf(b);
  const bigrams = [
    { key: key('一', '曰'), logP: Math.log(0.6) },
    { key: key('一', '日'), logP: Math.log(0.01) },
    { key: key('商', '會'), logP: Math.log(0.7) },
  ].sort((a, b) => a.key - b.key);
  return decodeCharLm(
    encodeCharLm({
      vocabulary,
      unigramLogP: new Float32Array(V).fill(Math.log(1 / V)),
      backoffLogW: new Float32Array(V).fill(Math.log(0.5)),
      bigramKeys: Uint32Array.from(bigrams.map((b) => b.key)),
      bigramLogP: Float32Array.from(bigrams.map((b) => b.logP)),
      unknownLogP: Math.log(1e-6),
    }),
  );
};

const cand = (char: string, score: number): Candidate => ({ char, raw: char, score, models: ['pp-ocrv4'] });

describe('character language model file', () => {
  it('round-trips its tables and backs off for unseen pairs and characters', () => {
    const lm = tinyLm();
    expect(lm.vocabularySize).toBe(6);
    expect(lm.bigrams).toBe(3);
    expect(lm.logP('一', '曰')).toBeCloseTo(Math.log(0.6), 5);
    expect(lm.logP('曰', '一')).toBeCloseTo(Math.log(0.5 / 6), 5);
    expect(lm.logP('', '商')).toBeCloseTo(Math.log(1 / 6), 5);
    expect(lm.logP('一', '龘')).toBeCloseTo(Math.log(1e-6), 5);
  });

  it('refuses bytes that are not a model, with a typed error', () => {
    for (const bytes of [Buffer.from('not a model'), Buffer.alloc(0), encodeCharLm({ vocabulary: ['一'], unigramLogP: new Float32Array(1), backoffLogW: new Float32Array(1), bigramKeys: new Uint32Array(0), bigramLogP: new Float32Array(0), unknownLogP: -9 }).subarray(0, 20)]) {
      try {
        decodeCharLm(bytes);
        expect.unreachable();
      } catch (error) {
        expect(isAppError(error) && error.code).toBe('MODEL_CORRUPT');
      }
    }
  });

  it('the committed model matches its registry entry and its build record', async () => {
    const file = committedCharLmFile();
    const bytes = await readFile(file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const registry = JSON.parse(await readFile(path.join(path.dirname(file), '..', 'context.json'), 'utf8')) as {
      models: { name: string; source: { path: string }; sha256: string; bytes: number; required: boolean }[];
    };
    const entry = registry.models.find((m) => m.name === CHAR_LM_NAME);
    expect(entry).toMatchObject({ source: { path: 'lm/zh-hant-char-lm.bin' }, sha256, bytes: bytes.length, required: false });
    const record = JSON.parse(await readFile(file.replace(/\.bin$/, '.json'), 'utf8')) as { sha256: string; bytes: number };
    expect(record).toMatchObject({ sha256, bytes: bytes.length });
  });

  it('the committed model knows common Traditional words better than their look-alikes', async () => {
    const lm = await loadCharLm(committedCharLmFile());
    expect(lm.vocabularySize).toBeGreaterThan(8000);
    // Pairs a recogniser confuses: the real word must score higher than the misreading.
    for (const [right, wrong] of [['章程', '車程'], ['名冊', '名州'], ['若干', '若千'], ['改良', '以良'], ['閩粵', '聞粵'], ['子曰', '子日']]) {
      const score = (w: string): number => lm.logP(w[0]!, w[1]!);
      expect(score(right!), `${right} over ${wrong}`).toBeGreaterThan(score(wrong!));
    }
  });
});

describe('column decoder', () => {
  const weights: DecoderWeights = { lm: 1, charBonus: 2, skipLogP: Math.log(0.5) };

  it('lets context overrule a narrow visual preference and keeps a clear one', () => {
    const slots: Slot[] = [
      { candidates: [cand('一', 0.9)], optional: false },
      { candidates: [cand('日', 0.5), cand('曰', 0.4)], optional: false },
    ];
    expect(decodeColumn(slots, tinyLm(), weights)).toEqual([0, 1]);
    const sure: Slot[] = [slots[0]!, { candidates: [cand('日', 0.999), cand('曰', 0.0005)], optional: false }];
    expect(decodeColumn(sure, tinyLm(), weights)).toEqual([0, 0]);
  });

  it('fills an optional cell only when reading it beats leaving it empty', () => {
    const gap = (score: number): Slot => ({ candidates: [cand('會', score)], optional: true });
    const column = (score: number): Slot[] => [{ candidates: [cand('商', 0.9)], optional: false }, gap(score)];
    expect(decodeColumn(column(0.6), tinyLm(), weights)).toEqual([0, 0]);
    expect(decodeColumn(column(0.01), tinyLm(), weights)).toEqual([0, -1]);
  });

  it('puts the chosen candidate first and marks it as chosen by context', () => {
    const frame: LineFrame = { origin: { x: 0, y: 0 }, dx: { x: 0, y: 1 }, dy: { x: -1, y: 0 }, width: 100, height: 40 };
    const slot = (candidates: Candidate[], optional = false): ColumnSlot => ({ frame, span: { start: 0, end: 40 }, candidates, byContext: false, optional });
    const read = chooseInContext([slot([cand('一', 0.9)]), slot([cand('日', 0.5), cand('曰', 0.4)]), slot([cand('國', 0.01)], true)], tinyLm(), weights);
    expect(read.map((r) => r.candidates[0]!.char).join('')).toBe('一曰');
    expect(read.map((r) => r.byContext)).toEqual([false, true]);
    expect(read[1]!.candidates.map((c) => c.char)).toEqual(['曰', '日']);
  });
});

describe('CTC decoding in context', () => {
  const alphabet = ['', '一', '曰', '日', '国', '國', '商', '會'];
  const row = (p: Record<string, number>): number[] => alphabet.map((c, i) => (i === 0 ? (p['_'] ?? 0) : (p[c] ?? 0)));
  const ctc = (rows: number[][]) => ({ probs: Float32Array.from(rows.flat()), frames: rows.length, classes: alphabet.length });
  const weights: CtcContextWeights = { lm: 1, charBonus: 2, beam: 8 };
  const context = { lm: tinyLm(), weights, toChar: (raw: string) => (raw === '国' ? '國' : raw) };

  it('reads a character the blank won when the context supports it; greedy decoding drops it', () => {
    // 商, then a frame where the blank leads but 會 is a strong second, then blanks.
    const rows = [row({ 商: 0.9, _: 0.1 }), row({ _: 1 }), row({ _: 0.55, 會: 0.45 }), row({ _: 1 })];
    expect(decodeCtc(ctc(rows), alphabet, rows.length).map((c) => c.raw).join('')).toBe('商');
    const read = decodeCtcInContext(ctc(rows), alphabet, rows.length, context);
    expect(read.map((c) => c.raw).join('')).toBe('商會');
    expect(read[1]!.byContext).toBe(true);
    expect(read[0]!.byContext).toBe(false);
  });

  it('does not invent a character where the blank is sure', () => {
    const rows = [row({ 商: 0.9, _: 0.1 }), row({ _: 0.999, 會: 0.001 }), row({ _: 1 })];
    expect(decodeCtcInContext(ctc(rows), alphabet, rows.length, context).map((c) => c.raw).join('')).toBe('商');
  });

  it('adds up Simplified and Traditional entries for one character', () => {
    // Neither 国 (0.3) nor 國 (0.3) beats the blank (0.4) alone; together they do.
    const rows = [row({ _: 1 }), row({ _: 0.4, 国: 0.3, 國: 0.3 }), row({ _: 1 })];
    const read = decodeCtcInContext(ctc(rows), alphabet, rows.length, { ...context, weights: { ...weights, lm: 0, charBonus: 0 } });
    expect(read).toHaveLength(1);
    expect(context.toChar(read[0]!.raw)).toBe('國');
    expect(read[0]!.confidence).toBeCloseTo(0.6, 5);
    expect(read[0]!.start).toBeGreaterThanOrEqual(0);
    expect(read[0]!.end).toBeLessThanOrEqual(1);
  });

  it('keeps a character read over several frames as one, and a doubled one as two', () => {
    const rows = [row({ 一: 0.9, _: 0.1 }), row({ 一: 0.9, _: 0.1 }), row({ _: 0.9, 一: 0.1 }), row({ 一: 0.9, _: 0.1 })];
    expect(decodeCtcInContext(ctc(rows), alphabet, rows.length, context).map((c) => c.raw).join('')).toBe('一一');
  });
});
