import type { ReadingAxis } from './crop.js';
import type { Bounds, OrientedRect } from './geometry.js';
import type { RgbImage } from './image.js';

/**
 * Ink the detector left out. After the lines are read, the page is binarised and the ink outside
 * every read line and every seal is measured; on a page (not a photo), its projection profile across
 * the lines finds lines of ink nothing covers (pale or broken strokes the detector scored too low),
 * which are then read like detected lines.
 */
export interface InkOptions {
  /** Ink is darker than the paper by this share of the way from the paper to the darkest ink. */
  darkness: number;
  /** A profile position holds a column when this share of its rows is unread ink. */
  minProfile: number;
  /** A found column is at least this share of the typical column's thickness… */
  minThickness: number;
  /** …and this many times longer than thick. */
  minElongation: number;
  /** Paper along a column longer than this many thicknesses ends it. */
  maxGap: number;
  /** Ink along more than this share of a found column's length is a rule or an edge, not writing. */
  maxCoverage: number;
}

export const defaultInkOptions: InkOptions = { darkness: 0.35, minProfile: 0.02, minThickness: 0.4, minElongation: 1.5, maxGap: 1.5, maxCoverage: 0.95 };

export interface InkMap {
  width: number;
  height: number;
  /** 1 where the pixel is ink. */
  ink: Uint8Array;
  total: number;
}

const luminance = (d: Uint8Array, o: number): number => 0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!;

/** Ink is darker than the paper (80th percentile of luminance) by `darkness` of its distance to the darkest ink (2nd percentile). */
export const inkMap = (image: RgbImage, options: InkOptions = defaultInkOptions): InkMap => {
  const n = image.width * image.height;
  const lum = new Uint8Array(n);
  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) hist[(lum[i] = Math.round(luminance(image.data, i * 3)))]!++;
  const at = (q: number): number => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += hist[v]!) >= q * n) return v;
    return 255;
  };
  const paper = at(0.8);
  const threshold = paper - options.darkness * (paper - at(0.02));
  const ink = new Uint8Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) if (lum[i]! < threshold) total += ink[i] = 1;
  return { width: image.width, height: image.height, ink, total };
};

/** Marks the pixels inside a rectangle (at any angle), grown by `grow` pixels on every side. */
const markRect = (mask: Uint8Array, width: number, height: number, r: OrientedRect, grow: number): void => {
  const ex = (Math.abs(r.ux) * r.w + Math.abs(r.uy) * r.h) / 2 + grow;
  const ey = (Math.abs(r.uy) * r.w + Math.abs(r.ux) * r.h) / 2 + grow;
  for (let y = Math.max(0, Math.floor(r.cy - ey)); y <= Math.min(height - 1, Math.ceil(r.cy + ey)); y++) {
    for (let x = Math.max(0, Math.floor(r.cx - ex)); x <= Math.min(width - 1, Math.ceil(r.cx + ex)); x++) {
      const dx = x - r.cx;
      const dy = y - r.cy;
      if (Math.abs(dx * r.ux + dy * r.uy) <= r.w / 2 + grow && Math.abs(-dx * r.uy + dy * r.ux) <= r.h / 2 + grow) mask[y * width + x] = 1;
    }
  }
};

/** The ink outside the given lines (each grown by a fifth of its thickness: strokes overhang a box) and seals. */
export const unreadInk = (map: InkMap, lines: readonly OrientedRect[], seals: readonly Bounds[]): Uint8Array => {
  const covered = new Uint8Array(map.width * map.height);
  for (const r of lines) markRect(covered, map.width, map.height, r, 0.2 * Math.min(r.w, r.h));
  for (const s of seals) markRect(covered, map.width, map.height, { cx: (s.x0 + s.x1) / 2, cy: (s.y0 + s.y1) / 2, ux: 1, uy: 0, w: s.x1 - s.x0, h: s.y1 - s.y0 }, 0);
  const out = new Uint8Array(map.ink.length);
  for (let i = 0; i < out.length; i++) out[i] = map.ink[i]! & (covered[i]! ^ 1);
  return out;
};

export const inkCount = (mask: Uint8Array): number => mask.reduce((s, v) => s + v, 0);

/** Runs of indexes where `on` holds, joined across gaps up to `gap` long. */
const runs = (length: number, on: (i: number) => boolean, gap: number): { start: number; end: number }[] => {
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < length; i++) {
    if (!on(i)) continue;
    const last = out.at(-1);
    if (last !== undefined && i - last.end <= gap) last.end = i + 1;
    else out.push({ start: i, end: i + 1 });
  }
  return out;
};

/**
 * Lines of unread ink along `axis` whose typical thickness is `thickness` pixels: rows are found as
 * the columns of the transposed page.
 */
export const inkLines = (unread: Uint8Array, width: number, height: number, thickness: number, axis: ReadingAxis, options: InkOptions = defaultInkOptions): OrientedRect[] => {
  if (axis === 'column') return inkColumns(unread, width, height, thickness, options);
  const transposed = new Uint8Array(unread.length);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) transposed[x * height + y] = unread[y * width + x]!;
  return inkColumns(transposed, height, width, thickness, options).map((r) => ({ cx: r.cy, cy: r.cx, ux: 1, uy: 0, w: r.h, h: r.w }));
};

/**
 * Columns of unread ink on a page of columns whose typical thickness is `thickness` pixels: runs
 * of the vertical projection profile, each cut down the page where paper runs longer than
 * `maxGap` thicknesses, kept when thick and long enough. Upright rectangles, top first.
 */
const inkColumns = (unread: Uint8Array, width: number, height: number, thickness: number, options: InkOptions = defaultInkOptions): OrientedRect[] => {
  const profile = new Uint32Array(width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) profile[x]! += unread[y * width + x]!;
  const found: OrientedRect[] = [];
  for (const across of runs(width, (x) => profile[x]! >= options.minProfile * height, 0.15 * thickness)) {
    const w = across.end - across.start;
    if (w < options.minThickness * thickness) continue;
    const rowInk = (y: number): boolean => {
      for (let x = across.start; x < across.end; x++) if (unread[y * width + x] === 1) return true;
      return false;
    };
    for (const along of runs(height, rowInk, options.maxGap * thickness)) {
      const h = along.end - along.start;
      if (h < options.minElongation * Math.max(w, thickness)) continue;
      // Characters leave paper between them; ink along the whole run is a ruled line or a page's edge.
      let inked = 0;
      for (let y = along.start; y < along.end; y++) if (rowInk(y)) inked++;
      if (inked > options.maxCoverage * h) continue;
      // Paper around the ink, as the detector's boxes have: the profile's run is narrower than the
      // characters when their strokes are broken, so a found column is as thick as a typical one.
      const pad = 0.1 * w;
      found.push({ cx: (across.start + across.end) / 2, cy: (along.start + along.end) / 2, ux: 1, uy: 0, w: Math.max(w + 2 * pad, thickness), h: h + 2 * pad });
    }
  }
  return found;
};

/**
 * The image with the ink inside `rects` thickened by `radius` pixels and darkened to black: lines
 * found this way are pale or broken, and the recognisers read whole dark strokes far better.
 */
export const restoreInk = (image: RgbImage, map: InkMap, rects: readonly OrientedRect[], radius: number): RgbImage => {
  const inside = new Uint8Array(map.width * map.height);
  for (const r of rects) markRect(inside, map.width, map.height, r, 0);
  const data = new Uint8Array(image.data);
  const { width, height, ink } = map;
  for (let y = radius; y < height - radius; y++) {
    for (let x = radius; x < width - radius; x++) {
      const i = y * width + x;
      if (inside[i] === 0) continue;
      let near = 0;
      for (let dy = -radius; dy <= radius && near === 0; dy++) for (let dx = -radius; dx <= radius; dx++) near += ink[i + dy * width + dx]!;
      if (near > 0) data.fill(30, i * 3, i * 3 + 3);
    }
  }
  return { width: image.width, height: image.height, data };
};
