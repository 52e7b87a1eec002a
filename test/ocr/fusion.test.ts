import { describe, expect, it } from 'vitest';
import type { CharClassifier } from '../../src/ocr/ccr-model.js';
import { gapSpans } from '../../src/ocr/cells.js';
import { chooseByScore, classifyColumn, type ColumnPiece } from '../../src/ocr/column-fusion.js';
import type { LineFrame } from '../../src/ocr/crop.js';
import { fuseCandidates, keepInserted, type FusionWeights } from '../../src/ocr/fusion.js';
import type { RgbImage } from '../../src/ocr/image.js';
import type { Candidate } from '../../src/ocr/types.js';

const weights: FusionWeights = { ppOcr: 0.5, insertMin: 0.6 };
const pp = (char: string, score: number, raw = char): Candidate => ({ char, raw, score, models: ['pp-ocrv4'] });
const ours = (char: string, score: number): Candidate => ({ char, raw: char, score, models: ['ccr-big5-kai'] });

describe('fuseCandidates', () => {
  it('takes our reading when PP-OCR is unsure and we are sure', () => {
    const fused = fuseCandidates([pp('日', 0.4), pp('曰', 0.3)], [ours('曰', 0.9), ours('白', 0.05)], weights);
    expect(fused[0]!.char).toBe('曰');
    expect(fused[0]!.models).toEqual(['ccr-big5-kai', 'pp-ocrv4']);
    // √(0.3 × 0.9) against √(0.4 × 0.025) for 日 (not listed by us: half our lowest, 0.05), and so on, normalised.
    const raw = [Math.sqrt(0.3 * 0.9), Math.sqrt(0.4 * 0.025), Math.sqrt(0.15 * 0.05)];
    expect(fused[0]!.score).toBeCloseTo(raw[0]! / (raw[0]! + raw[1]! + raw[2]!), 6);
  });

  it("keeps PP-OCR's reading when it is sure and we are not", () => {
    const fused = fuseCandidates([pp('商', 0.95)], [ours('育', 0.3), ours('商', 0.2)], weights);
    expect(fused[0]!.char).toBe('商');
    expect(fused[0]!.models).toEqual(['pp-ocrv4', 'ccr-big5-kai']);
    expect(fused.map((c) => c.char)).toEqual(['商', '育']);
  });

  it("can choose a character PP-OCR's dictionary lacks", () => {
    // PP-OCR has no 議; it offers look-alikes with middling scores.
    const fused = fuseCandidates([pp('义', 0.35), pp('仪', 0.2, '仪')], [ours('議', 0.85), ours('儀', 0.1)], weights);
    expect(fused[0]).toMatchObject({ char: '議', models: ['ccr-big5-kai'] });
    expect(fused.map((c) => c.char)).toContain('义');
  });

  it('adds up candidates that map to one Traditional character, keeps 5 at most, best first', () => {
    const fused = fuseCandidates(
      [pp('發', 0.3, '发'), pp('發', 0.2, '髮'), pp('甲', 0.1), pp('乙', 0.05)],
      [ours('丙', 0.4), ours('丁', 0.3), ours('戊', 0.1), ours('己', 0.05)],
      weights,
    );
    expect(fused).toHaveLength(5);
    // 發 holds 0.5 of PP-OCR's mass: enough to stay ahead of our 丙 (0.4).
    expect(fused[0]!.char).toBe('發');
    expect(fused[1]!.char).toBe('丙');
    for (let i = 1; i < fused.length; i++) expect(fused[i]!.score).toBeLessThanOrEqual(fused[i - 1]!.score);
  });

  it('follows the weight: all on PP-OCR reproduces its order', () => {
    const fused = fuseCandidates([pp('甲', 0.6), pp('乙', 0.3)], [ours('乙', 0.99)], { ppOcr: 1, insertMin: 1 });
    expect(fused.map((c) => c.char)).toEqual(['甲', '乙']);
  });
});

describe('keepInserted', () => {
  it('keeps our reading of a skipped cell only when confident enough', () => {
    expect(keepInserted([ours('會', 0.7)], weights)).toBe(true);
    expect(keepInserted([ours('會', 0.4)], weights)).toBe(false);
    expect(keepInserted([], weights)).toBe(false);
  });
});

describe('gapSpans', () => {
  const at = (centre: number): { start: number; end: number } => ({ start: centre - 20, end: centre + 20 });

  it('finds no gap in an evenly read column', () => {
    expect(gapSpans([at(25), at(65), at(105), at(145)], { start: 5, end: 165 }, 40)).toEqual([]);
  });

  it('puts cells where characters were skipped, inside and at the ends', () => {
    const gaps = gapSpans([at(25), at(65), at(185), at(225)], { start: 5, end: 325 }, 40);
    // Two skipped between 65 and 185, two after 225 (the column runs on to 325).
    expect(gaps.map((g) => g.before)).toEqual([2, 2, 4, 4]);
    expect(gaps.map((g) => Math.round((g.span.start + g.span.end) / 2))).toEqual([105, 145, 265, 305]);
  });

  it('splits an empty column into cells of its thickness', () => {
    expect(gapSpans([], { start: 0, end: 120 }, 40)).toHaveLength(3);
  });
});

describe('classifyColumn and chooseByScore', () => {
  // A white page and a frame along a column 40 px thick: only the cells' positions matter here.
  const page: RgbImage = { width: 60, height: 400, data: new Uint8Array(60 * 400 * 3).fill(255) };
  const frame: LineFrame = { origin: { x: 50, y: 0 }, dx: { x: 0, y: 1 }, dy: { x: -1, y: 0 }, width: 240, height: 40 };
  const span = (centre: number): { start: number; end: number } => ({ start: centre - 20, end: centre + 20 });
  /** Answers, cell by cell, in the order the cells are asked for. */
  const scripted = (answers: Candidate[][]): CharClassifier => ({
    vocabulary: [],
    temperature: 1,
    classify: async (_cells, n) => answers.slice(0, n).map((list) => list.map((c) => ({ raw: c.char, score: c.score }))),
  });
  const piece: ColumnPiece = {
    frame,
    chars: [
      { frame, span: span(20), candidates: [pp('日', 0.45), pp('曰', 0.4)], byContext: false },
      { frame, span: span(60), candidates: [pp('商', 0.9)], byContext: false },
      // A skipped character at 100 and at 140.
      { frame, span: span(180), candidates: [pp('会', 0.8, '会')], byContext: false },
    ],
    text: { start: 0, end: 200 },
    thickness: 40,
  };
  const answers = [[ours('曰', 0.9)], [ours('育', 0.4)], [ours('會', 0.9)], [ours('勸', 0.8)], [ours('亂', 0.2)]];

  it('fuses each of PP-OCR characters and adds confident readings of skipped cells in place', async () => {
    const slots = await classifyColumn(page, [piece], scripted(answers), 'fusion', weights);
    expect(slots.map((s) => s.optional)).toEqual([false, false, true, true, false]);
    const read = chooseByScore(slots, weights);
    expect(read.map((r) => r.candidates[0]!.char).join('')).toBe('曰商勸會');
    expect(read[2]!.span).toEqual(span(100));
  });

  it('reads with our classifier alone on the same cells', async () => {
    const read = chooseByScore(await classifyColumn(page, [piece], scripted(answers), 'ccr', weights), weights);
    expect(read.map((r) => r.candidates[0]!.char).join('')).toBe('曰育勸會');
    expect(read.every((r) => r.candidates.every((c) => c.models.includes('ccr-big5-kai')))).toBe(true);
  });
});
