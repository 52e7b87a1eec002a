import type { Point, Quad } from './types.js';

/**
 * A rectangle at any angle. `u` is the unit vector of its near-horizontal side (|ux| ≥ |uy|, ux > 0),
 * `w` its length along u and `h` its length along v = (−uy, ux), which points down the page.
 */
export interface OrientedRect {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  w: number;
  h: number;
}

const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Andrew's monotone chain; returns the hull counter-clockwise in y-up terms, without repeats. */
export const convexHull = (points: readonly Point[]): Point[] => {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (sorted.length < 3) return sorted;
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
};

/** Puts a rectangle's axes in the canonical form described on OrientedRect. */
export const canonicalRect = (cx: number, cy: number, ax: number, ay: number, along: number, across: number): OrientedRect => {
  const len = Math.hypot(ax, ay) || 1;
  let ux = ax / len;
  let uy = ay / len;
  let w = along;
  let h = across;
  if (Math.abs(ux) < Math.abs(uy)) {
    // The given axis is the near-vertical one: take its perpendicular as u.
    [ux, uy] = [-uy, ux];
    [w, h] = [h, w];
  }
  if (ux < 0) {
    ux = -ux;
    uy = -uy;
  }
  return { cx, cy, ux, uy, w, h };
};

/** Minimum-area enclosing rectangle (rotating calipers over the hull's edges). */
export const minAreaRect = (points: readonly Point[]): OrientedRect => {
  const hull = convexHull(points);
  if (hull.length === 0) return { cx: 0, cy: 0, ux: 1, uy: 0, w: 0, h: 0 };
  let best: { area: number; rect: OrientedRect } | undefined;
  const edges = hull.length < 2 ? 1 : hull.length;
  for (let i = 0; i < edges; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    let ex = b.x - a.x;
    let ey = b.y - a.y;
    const len = Math.hypot(ex, ey);
    if (len === 0) {
      ex = 1;
      ey = 0;
    } else {
      ex /= len;
      ey /= len;
    }
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const pu = p.x * ex + p.y * ey;
      const pv = -p.x * ey + p.y * ex;
      minU = Math.min(minU, pu);
      maxU = Math.max(maxU, pu);
      minV = Math.min(minV, pv);
      maxV = Math.max(maxV, pv);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (best === undefined || area < best.area) {
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = {
        area,
        rect: canonicalRect(mu * ex - mv * ey, mu * ey + mv * ex, ex, ey, maxU - minU, maxV - minV),
      };
    }
  }
  return best!.rect;
};

/** Corners clockwise from top-left (in the rectangle's own frame). */
export const rectCorners = (r: OrientedRect): Quad => {
  const vx = -r.uy;
  const vy = r.ux;
  const hw = r.w / 2;
  const hh = r.h / 2;
  const at = (su: number, sv: number): Point => ({ x: r.cx + su * hw * r.ux + sv * hh * vx, y: r.cy + su * hw * r.uy + sv * hh * vy });
  return [at(-1, -1), at(1, -1), at(1, 1), at(-1, 1)];
};

/** An axis-aligned extent: x0 ≤ x ≤ x1, y0 ≤ y ≤ y1. */
export interface Bounds {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Axis-aligned bounds of a rectangle. */
export const rectBounds = (r: OrientedRect): Bounds => {
  const ex = (Math.abs(r.ux) * r.w + Math.abs(r.uy) * r.h) / 2;
  const ey = (Math.abs(r.uy) * r.w + Math.abs(r.ux) * r.h) / 2;
  return { x0: r.cx - ex, y0: r.cy - ey, x1: r.cx + ex, y1: r.cy + ey };
};

export const mapQuad = (q: Quad, f: (p: Point) => Point): Quad => [f(q[0]), f(q[1]), f(q[2]), f(q[3])];
