import { minAreaRect, type OrientedRect } from './geometry.js';
import type { Point } from './types.js';

/** Differentiable-binarisation post-processing settings (PaddleOCR's defaults). */
export interface DbOptions {
  /** Pixels with probability above this are text. */
  threshold: number;
  /** A box is kept when the mean probability inside it reaches this. */
  boxThreshold: number;
  /** The detector predicts shrunk text kernels; boxes grow by area × ratio / perimeter on each side. */
  unclipRatio: number;
  maxCandidates: number;
}

export const defaultDbOptions: DbOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, maxCandidates: 1000 };

export interface ProbabilityMap {
  width: number;
  height: number;
  data: Float32Array;
}

export interface ScoredRect {
  rect: OrientedRect;
  score: number;
}

/** Mean probability inside a rectangle (PaddleOCR's "fast" box score). */
const meanInside = (map: ProbabilityMap, r: OrientedRect): number => {
  const ex = (Math.abs(r.ux) * r.w + Math.abs(r.uy) * r.h) / 2;
  const ey = (Math.abs(r.uy) * r.w + Math.abs(r.ux) * r.h) / 2;
  const x0 = Math.max(0, Math.floor(r.cx - ex));
  const x1 = Math.min(map.width - 1, Math.ceil(r.cx + ex));
  const y0 = Math.max(0, Math.floor(r.cy - ey));
  const y1 = Math.min(map.height - 1, Math.ceil(r.cy + ey));
  let sum = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x - r.cx;
      const dy = y - r.cy;
      if (Math.abs(dx * r.ux + dy * r.uy) <= r.w / 2 + 0.5 && Math.abs(-dx * r.uy + dy * r.ux) <= r.h / 2 + 0.5) {
        sum += map.data[y * map.width + x]!;
        n++;
      }
    }
  }
  return n === 0 ? 0 : sum / n;
};

/**
 * Turns the detector's probability map into text rectangles: threshold, 8-connected components,
 * minimum-area rectangle of each component's boundary, score, then "unclip" (grow back the shrunk kernel).
 */
export const dbBoxes = (map: ProbabilityMap, options: DbOptions = defaultDbOptions): ScoredRect[] => {
  const { width, height, data } = map;
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const out: ScoredRect[] = [];
  let next = 0;
  for (let start = 0; start < data.length && out.length < options.maxCandidates; start++) {
    if (labels[start] !== 0 || data[start]! <= options.threshold) continue;
    const label = ++next;
    const boundary: Point[] = [];
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      let edge = x === 0 || y === 0 || x === width - 1 || y === height - 1;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if ((dx === 0 && dy === 0) || nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (data[j]! <= options.threshold) {
            edge = true;
          } else if (labels[j] === 0) {
            labels[j] = label;
            stack[top++] = j;
          }
        }
      }
      if (edge) boundary.push({ x, y });
    }
    const kernel = minAreaRect(boundary);
    if (Math.min(kernel.w, kernel.h) < 3) continue;
    const score = meanInside(map, kernel);
    if (score < options.boxThreshold) continue;
    const grow = (kernel.w * kernel.h * options.unclipRatio) / (2 * (kernel.w + kernel.h));
    const rect = { ...kernel, w: kernel.w + 2 * grow, h: kernel.h + 2 * grow };
    if (Math.min(rect.w, rect.h) < 5) continue;
    out.push({ rect, score });
  }
  return out;
};
