import { describe, expect, it } from 'vitest';
import { suppressOverlaps } from '../../src/pipelines/faces/nms.js';
import { DEFAULT_TILING, planLevels, smallestFacePx } from '../../src/pipelines/faces/tiles.js';

describe('planLevels', () => {
  it.each([
    [658, 532],
    [4000, 3000],
    [1200, 4000],
    [320, 240],
  ])('covers every pixel of a %i×%i photo at every level with overlapping tiles', (width, height) => {
    const levels = planLevels(width, height);
    for (const level of levels) {
      const covered = new Uint8Array(level.width * level.height);
      for (const t of level.tiles) {
        expect(t.width).toBeLessThanOrEqual(320);
        expect(t.height).toBeLessThanOrEqual(240);
        for (let y = t.top; y < t.top + t.height; y++) covered.fill(1, y * level.width + t.left, y * level.width + t.left + t.width);
      }
      expect(covered.every((c) => c === 1)).toBe(true);
    }
    // The coarsest level sees the whole photo in one input; the finest makes the smallest face 20 px.
    expect(levels[0]?.tiles).toHaveLength(1);
    const finest = levels.at(-1);
    expect(Math.min(DEFAULT_TILING.maxUpscale, finest!.scale * smallestFacePx(width, height))).toBeGreaterThanOrEqual(
      Math.min(DEFAULT_TILING.maxUpscale, DEFAULT_TILING.detectableFacePx) - 1e-6,
    );
    for (let i = 1; i < levels.length; i++) expect(levels[i]!.scale / levels[i - 1]!.scale).toBeLessThanOrEqual(DEFAULT_TILING.maxLevelStep + 1e-9);
  });

  it('marks only edges inside the photo as inner', () => {
    const level = planLevels(658, 532).at(-1)!;
    const first = level.tiles[0]!;
    expect(first.innerEdges).toMatchObject({ left: false, top: false, right: true, bottom: true });
    const last = level.tiles.at(-1)!;
    expect(last.innerEdges).toMatchObject({ right: false, bottom: false, left: true, top: true });
  });

  it('keeps a small photo to one level without enlarging it beyond maxUpscale', () => {
    const levels = planLevels(20, 20);
    expect(levels).toHaveLength(1);
    expect(levels[0]).toMatchObject({ scale: DEFAULT_TILING.maxUpscale, width: 60, height: 60 });
  });
});

describe('suppressOverlaps', () => {
  const face = (x: number, y: number, size: number, score: number) => ({ box: { x, y, width: size, height: size }, score });

  it('keeps the best of overlapping boxes and neighbours that barely touch', () => {
    const kept = suppressOverlaps([face(0, 0, 20, 0.9), face(2, 1, 20, 0.99), face(19, 0, 20, 0.8)], { iou: 0.3, containment: 0.6 });
    expect(kept.map((k) => k.score)).toEqual([0.99, 0.8]);
  });

  it('drops a box lying inside a better one even when their IoU is small', () => {
    const kept = suppressOverlaps([face(0, 0, 40, 0.95), face(10, 10, 12, 0.9)], { iou: 0.3, containment: 0.6 });
    expect(kept.map((k) => k.score)).toEqual([0.95]);
  });
});
