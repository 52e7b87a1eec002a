import type { Bounds } from './geometry.js';
import type { RgbImage } from './image.js';
import { looksLikePaper, paperColour } from './paper.js';

/**
 * Red seals and stamps (collectors' seals, an office's chop): vermilion ink, in compact shapes. They
 * are provenance, not text: found before detection, recorded with their boxes, and painted out of the
 * image the text is detected and read on, so that neither the detector nor the recognisers see them.
 */
export interface SealOptions {
  /** A pixel is seal ink when red exceeds green by this much… */
  redOverGreen: number;
  /** …and blue by this much (aged paper is yellow-brown: red over blue, not over green). */
  redOverBlue: number;
  /** The grid the red pixels are gathered on, as a share of the page's long side. */
  cell: number;
  /** Smallest seal side, as a share of the page's long side. */
  minSide: number;
  /** Largest seal, as a share of the page's area (beyond it, a red object in a photo). */
  maxArea: number;
  /** Least share of a seal's box covered by red ink (a border seal is about a quarter). */
  minFill: number;
  /** Red parts closer than this share of the long side are one seal (a brush stroke over it cut it). */
  strokeGap: number;
}

export const defaultSealOptions: SealOptions = { redOverGreen: 60, redOverBlue: 45, cell: 0.006, minSide: 0.025, maxArea: 0.06, minFill: 0.08, strokeGap: 0.015 };

/** A seal in the image's pixels, with the share of its box its red ink covers. */
export interface FoundSeal extends Bounds {
  fill: number;
}

const isSealRed = (d: Uint8Array, o: number, options: SealOptions): boolean =>
  d[o]! - d[o + 1]! >= options.redOverGreen && d[o]! - d[o + 2]! >= options.redOverBlue;

/**
 * Finds the seals on a page: red pixels gathered on a coarse grid, grid cells joined across one-cell
 * gaps (a seal's strokes and border are apart), and components of a seal's size and fill kept.
 */
export const findSeals = (image: RgbImage, options: SealOptions = defaultSealOptions): FoundSeal[] => {
  const { width, height, data } = image;
  if (!looksLikePaper(image)) return [];
  const long = Math.max(width, height);
  const cell = Math.max(2, Math.round(options.cell * long));
  const gw = Math.ceil(width / cell);
  const gh = Math.ceil(height / cell);
  const red = new Uint32Array(gw * gh);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (isSealRed(data, (y * width + x) * 3, options)) red[((y / cell) | 0) * gw + ((x / cell) | 0)]!++;
    }
  }
  const on = (i: number): boolean => red[i]! >= 2;
  const labels = new Int32Array(gw * gh);
  const parts: { x0: number; y0: number; x1: number; y1: number; count: number }[] = [];
  let label = 0;
  for (let start = 0; start < gw * gh; start++) {
    if (!on(start) || labels[start] !== 0) continue;
    label++;
    const stack = [start];
    labels[start] = label;
    let [gx0, gy0, gx1, gy1, count] = [gw, gh, 0, 0, 0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      const gx = i % gw;
      const gy = (i - gx) / gw;
      [gx0, gy0, gx1, gy1] = [Math.min(gx0, gx), Math.min(gy0, gy), Math.max(gx1, gx), Math.max(gy1, gy)];
      count += red[i]!;
      // Two cells apart still join: a seal's characters and border are separated by paper.
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const nx = gx + dx;
          const ny = gy + dy;
          if (nx < 0 || ny < 0 || nx >= gw || ny >= gh) continue;
          const j = ny * gw + nx;
          if (on(j) && labels[j] === 0) {
            labels[j] = label;
            stack.push(j);
          }
        }
      }
    }
    parts.push({ x0: gx0 * cell, y0: gy0 * cell, x1: Math.min(width, (gx1 + 1) * cell), y1: Math.min(height, (gy1 + 1) * cell), count });
  }
  // A brush stroke written over a seal can cut it in two: parts closer than a stroke's width are one seal.
  const gap = options.strokeGap * long;
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < parts.length && !merged; i++) {
      for (let j = i + 1; j < parts.length && !merged; j++) {
        const a = parts[i]!;
        const b = parts[j]!;
        if (a.x0 - gap > b.x1 || b.x0 - gap > a.x1 || a.y0 - gap > b.y1 || b.y0 - gap > a.y1) continue;
        parts[i] = { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), count: a.count + b.count };
        parts.splice(j, 1);
        merged = true;
      }
    }
  }
  return parts.flatMap(({ count, ...box }): FoundSeal[] => {
    const w = box.x1 - box.x0;
    const h = box.y1 - box.y0;
    const fill = count / (w * h);
    if (Math.min(w, h) < options.minSide * long || w * h > options.maxArea * width * height) return [];
    if (Math.max(w, h) > 3 * Math.min(w, h) || fill < options.minFill) return [];
    return [{ ...box, fill }];
  });
};

/**
 * The page with its seals painted over in paper colour: reddish pixels inside each seal's box
 * (antialiased edges included, with a looser test) become paper, while black ink under a seal stays.
 */
export const withoutSeals = (image: RgbImage, seals: readonly FoundSeal[]): RgbImage => {
  if (seals.length === 0) return image;
  const paper = paperColour(image);
  const data = new Uint8Array(image.data);
  for (const s of seals) {
    for (let y = Math.floor(s.y0); y < Math.ceil(s.y1); y++) {
      for (let x = Math.floor(s.x0); x < Math.ceil(s.x1); x++) {
        const o = (y * image.width + x) * 3;
        if (data[o]! - data[o + 1]! >= 25 && data[o]! - data[o + 2]! >= 20) data.set(paper, o);
      }
    }
  }
  return { width: image.width, height: image.height, data };
};
