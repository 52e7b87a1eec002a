import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/ocr/image.js';
import { inkLines, inkMap, unreadInk } from '../../src/ocr/ink.js';
import { findSeals, withoutSeals } from '../../src/ocr/seals.js';

const W = 200;
const H = 300;

/** A mask with 10×10 "characters" every 20 px down a column at x 100–110, and optionally a ruled line at x 40–46. */
const page = (rule: boolean): Uint8Array => {
  const mask = new Uint8Array(W * H);
  for (let c = 0; c < 12; c++) for (let y = 20 + c * 20; y < 30 + c * 20; y++) for (let x = 100; x < 110; x++) mask[y * W + x] = 1;
  if (rule) for (let y = 10; y < H - 10; y++) for (let x = 40; x < 46; x++) mask[y * W + x] = 1;
  return mask;
};

const transpose = (mask: Uint8Array): Uint8Array => {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[x * H + y] = mask[y * W + x]!;
  return out;
};

describe('lines of unread ink', () => {
  it('finds a column of characters, as thick as a typical column, and not a ruled line', () => {
    const found = inkLines(page(true), W, H, 12, 'column');
    expect(found).toHaveLength(1);
    expect(found[0]!.cx).toBeCloseTo(105, 0);
    expect(found[0]!.w).toBeGreaterThanOrEqual(12);
    expect(found[0]!.h).toBeGreaterThan(230);
  });

  it('finds a row of characters on the transposed page', () => {
    const found = inkLines(transpose(page(false)), H, W, 12, 'row');
    expect(found).toHaveLength(1);
    expect(found[0]!.cy).toBeCloseTo(105, 0);
    expect(found[0]!.w).toBeGreaterThan(230);
  });

  it('counts ink inside read lines and seals as read', () => {
    const image: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(230) };
    page(false).forEach((v, i) => v === 1 && image.data.fill(20, i * 3, i * 3 + 3));
    const map = inkMap(image);
    expect(map.total).toBe(12 * 100);
    const column = { cx: 105, cy: 145, ux: 1, uy: 0, w: 14, h: 250 };
    expect(unreadInk(map, [column], []).reduce((s, v) => s + v, 0)).toBe(0);
    expect(unreadInk(map, [], [{ x0: 90, y0: 0, x1: 120, y1: 150 }]).reduce((s, v) => s + v, 0)).toBe(5 * 100);
  });
});

describe('red seals', () => {
  /** Paper with black text strokes and a vermilion square seal over one of them. */
  const sealed = (paper: [number, number, number]): RgbImage => {
    const data = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) data.set(paper, i * 3);
    const paint = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.set(rgb, (y * W + x) * 3);
    };
    paint(70, 100, 120, 104, [200, 40, 30]);
    paint(70, 146, 120, 150, [200, 40, 30]);
    paint(70, 100, 74, 150, [200, 40, 30]);
    paint(116, 100, 120, 150, [200, 40, 30]);
    paint(93, 20, 97, 280, [20, 20, 20]);
    return { width: W, height: H, data };
  };

  it('finds a seal on a page, with its box, and paints it out while black ink under it stays', () => {
    const image = sealed([236, 226, 204]);
    const seals = findSeals(image);
    expect(seals).toHaveLength(1);
    expect(seals[0]!.x0).toBeLessThanOrEqual(70);
    expect(seals[0]!.x1).toBeGreaterThanOrEqual(120);
    expect(seals[0]!.y0).toBeLessThanOrEqual(100);
    expect(seals[0]!.y1).toBeGreaterThanOrEqual(150);
    const clean = withoutSeals(image, seals);
    expect([...clean.data.subarray((102 * W + 80) * 3, (102 * W + 80) * 3 + 3)]).toEqual([236, 226, 204]);
    expect([...clean.data.subarray((102 * W + 95) * 3, (102 * W + 95) * 3 + 3)]).toEqual([20, 20, 20]);
  });

  it('searches no photo: red on a dark, colourful image is not a seal', () => {
    expect(findSeals(sealed([60, 90, 120]))).toEqual([]);
  });
});
