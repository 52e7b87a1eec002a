import { describe, expect, it } from 'vitest';
import { alignLines, editDistance } from '../../src/ocr/cer.js';
import { simplifiedText, traditionalChars } from '../../src/ocr/chinese-script.js';
import { decodeCtc } from '../../src/ocr/ctc.js';
import { dbBoxes } from '../../src/ocr/db-postprocess.js';
import { minAreaRect, type OrientedRect } from '../../src/ocr/geometry.js';
import { planLayout } from '../../src/ocr/layout.js';

const rect = (cx: number, cy: number, w: number, h: number): OrientedRect => ({ cx, cy, ux: 1, uy: 0, w, h });

describe('geometry', () => {
  it('finds the minimum-area rectangle of a tilted box', () => {
    const a = (10 * Math.PI) / 180;
    const corners = [
      [-20, -5],
      [20, -5],
      [20, 5],
      [-20, 5],
    ].map(([x, y]) => ({ x: 100 + x! * Math.cos(a) - y! * Math.sin(a), y: 50 + x! * Math.sin(a) + y! * Math.cos(a) }));
    const r = minAreaRect(corners);
    expect(r.w).toBeCloseTo(40, 5);
    expect(r.h).toBeCloseTo(10, 5);
    expect(Math.atan2(r.uy, r.ux)).toBeCloseTo(a, 5);
    expect(r.cx).toBeCloseTo(100, 5);
  });

  it('keeps u near-horizontal, so a tall box has h > w', () => {
    const r = minAreaRect([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 100 },
      { x: 0, y: 100 },
    ]);
    expect(r.h).toBeCloseTo(100, 5);
    expect(r.w).toBeCloseTo(10, 5);
  });
});

describe('DB post-processing', () => {
  it('turns each blob of the probability map into a grown rectangle and drops weak ones', () => {
    const width = 100;
    const height = 60;
    const data = new Float32Array(width * height);
    const fill = (x0: number, y0: number, x1: number, y1: number, p: number): void => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = p;
    };
    fill(10, 10, 20, 50, 0.9); // a column kernel 10 × 40
    fill(40, 20, 80, 28, 0.9); // a row kernel 40 × 8
    fill(85, 40, 95, 50, 0.4); // above the pixel threshold, below the box threshold
    const boxes = dbBoxes({ width, height, data });
    expect(boxes).toHaveLength(2);
    const column = boxes.find((b) => b.rect.cx < 30)!;
    // Kernel 9 × 39 between pixel centres, grown by area × 1.5 / perimeter on every side.
    const grow = (9 * 39 * 1.5) / (2 * (9 + 39));
    expect(column.rect.w).toBeCloseTo(9 + 2 * grow, 3);
    expect(column.rect.h).toBeCloseTo(39 + 2 * grow, 3);
    expect(column.score).toBeCloseTo(0.9, 5);
  });
});

describe('CTC decoding', () => {
  it('collapses repeats, splits on blanks, and keeps extents and top candidates at the peak frame', () => {
    const alphabet = ['', '甲', '乙', '丙', ' '];
    // Frames: 甲 甲 blank 甲 乙 blank blank blank
    const rows = [
      [0.1, 0.8, 0.05, 0.05, 0],
      [0.05, 0.9, 0.03, 0.02, 0],
      [0.9, 0.05, 0.05, 0, 0],
      [0.2, 0.5, 0.1, 0.2, 0],
      [0.1, 0.1, 0.6, 0.2, 0],
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [1, 0, 0, 0, 0],
    ];
    const chars = decodeCtc({ probs: Float32Array.from(rows.flat()), frames: 8, classes: 5 }, alphabet, 6, 3);
    expect(chars.map((c) => c.raw).join('')).toBe('甲甲乙');
    expect(chars[0]!.confidence).toBeCloseTo(0.9, 5);
    expect(chars[1]!.candidates.map((c) => c.raw)).toEqual(['甲', '丙', '乙']);
    expect(chars[2]!.candidates[0]).toEqual({ raw: '乙', score: expect.closeTo(0.6, 5) });
    // In order along the line, within it, not overlapping.
    for (const [i, c] of chars.entries()) {
      expect(c.start).toBeGreaterThanOrEqual(0);
      expect(c.end).toBeLessThanOrEqual(1);
      expect(c.end).toBeGreaterThan(c.start);
      if (i > 0) expect(c.start).toBeGreaterThanOrEqual(chars[i - 1]!.end - 1e-9);
    }
  });
});

describe('character error rate', () => {
  it('counts edits on code points, ignoring whitespace', () => {
    expect(editDistance('新嘉坡', '新加坡')).toBe(1);
    expect(editDistance('商務 總會', '商務總會')).toBe(0);
    expect(editDistance('一二三', '')).toBe(3);
  });

  it('aligns lines in order, letting a line be read in two pieces or missed', () => {
    const pairs = alignLines(['甲乙丙丁', '戊己庚', '辛壬'], ['甲乙', '丙丁', '辛壬']);
    expect(pairs.map((p) => p.predicted)).toEqual([[0, 1], [], [2]]);
    expect(pairs.map((p) => p.errors)).toEqual([0, 3, 0]);
  });
});

describe('Traditional and Simplified', () => {
  it('converts per character with the whole line as context, keeping positions', () => {
    const chars = traditionalChars([...'新嘉坡中华商务总会议事簿']);
    expect(chars.join('')).toBe('新嘉坡中華商務總會議事簿');
    expect(chars).toHaveLength(12);
    expect(traditionalChars([...'头发']).join('')).toBe('頭髮');
  });

  it('gives Simplified for a Traditional text', () => {
    expect(simplifiedText('聯合早報 財政預算案')).toBe('联合早报 财政预算案');
  });
});

describe('layout', () => {
  it('orders columns right to left, joins a column found in pieces, and keeps a thin short note apart', () => {
    const layout = planLayout([
      rect(50, 200, 20, 300), // leftmost column
      rect(150, 120, 20, 140), // a column in two pieces…
      rect(150, 280, 20, 130), // …with a small gap
      rect(125, 150, 10, 100), // thin, short, between columns: a note
      rect(100, 200, 20, 300),
      rect(250, 200, 30, 320), // title column on the right
    ]);
    expect(layout.orientation).toBe('vertical');
    expect(layout.lines.map((l) => [l.kind, l.pieces.map((p) => p.cx)])).toEqual([
      ['column', [250]],
      ['column', [150, 150]],
      ['note', [125]],
      ['column', [100]],
      ['column', [50]],
    ]);
    expect(layout.lines[1]!.pieces.map((p) => p.cy)).toEqual([120, 280]);
  });

  it('reads blocks of columns one above the other top block first', () => {
    const layout = planLayout([rect(50, 100, 20, 150), rect(100, 100, 20, 150), rect(50, 400, 20, 150), rect(100, 400, 20, 150)]);
    expect(layout.lines.map((l) => [l.pieces[0]!.cx, l.pieces[0]!.cy])).toEqual([
      [100, 100],
      [50, 100],
      [100, 400],
      [50, 400],
    ]);
  });

  it('orders rows top to bottom and left to right within a band; a tall box on a page of rows is a column in its band', () => {
    const layout = planLayout([rect(300, 100, 200, 30), rect(80, 102, 100, 28), rect(200, 200, 300, 30), rect(500, 150, 30, 120)]);
    expect(layout.orientation).toBe('horizontal');
    expect(layout.lines.map((l) => [l.kind, l.pieces[0]!.cx])).toEqual([
      ['row', 80],
      ['row', 300],
      ['row', 200],
      ['column', 500],
    ]);
  });
});
