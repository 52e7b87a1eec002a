import type { OrientedRect } from './geometry.js';
import type { RgbImage } from './image.js';
import type { Point } from './types.js';

/**
 * How a text rectangle is read: a row left to right as it stands; a column top to bottom, turned
 * 90° counter-clockwise so its first character ends up on the left (what PP-OCR's recogniser learnt).
 */
export type ReadingAxis = 'row' | 'column';

/** Maps a point of the cut-out line image back onto the page it came from. */
export interface LineFrame {
  origin: Point;
  /** Page displacement for one line-image pixel to the right. */
  dx: Point;
  /** Page displacement for one line-image pixel down. */
  dy: Point;
  width: number;
  height: number;
}

export const framePoint = (f: LineFrame, x: number, y: number): Point => ({
  x: f.origin.x + x * f.dx.x + y * f.dy.x,
  y: f.origin.y + x * f.dx.y + y * f.dy.y,
});

/**
 * Sets up the sampling frame of a rectangle read along `axis`, grown by `pad` × its thickness
 * (across the line, and at both of its ends), scaled so the line image is `height` pixels high.
 */
export const lineFrame = (r: OrientedRect, axis: ReadingAxis, pad: { across: number; along: number }, height: number): LineFrame => {
  const vx = -r.uy;
  const vy = r.ux;
  // Reading direction and "down" direction of the line image, in page terms.
  const [along, across, length, thickness] =
    axis === 'row'
      ? [{ x: r.ux, y: r.uy }, { x: vx, y: vy }, r.w, r.h]
      : [{ x: vx, y: vy }, { x: -r.ux, y: -r.uy }, r.h, r.w];
  const fullLength = length + 2 * pad.along * thickness;
  const fullThickness = thickness + 2 * pad.across * thickness;
  const step = fullThickness / height;
  const width = Math.max(1, Math.round(fullLength / step));
  const origin = {
    x: r.cx - (along.x * fullLength) / 2 - (across.x * fullThickness) / 2,
    y: r.cy - (along.y * fullLength) / 2 - (across.y * fullThickness) / 2,
  };
  return {
    origin,
    dx: { x: along.x * (fullLength / width), y: along.y * (fullLength / width) },
    dy: { x: across.x * step, y: across.y * step },
    width,
    height,
  };
};

/**
 * Samples the line image (bilinear, averaging several samples a pixel when shrinking, so small
 * output does not alias). Outside the page reads as the page's edge colour.
 */
export const sampleLine = (page: RgbImage, f: LineFrame): RgbImage => {
  const { width: W, height: H, data } = page;
  const out = new Uint8Array(f.width * f.height * 3);
  const shrink = Math.max(Math.hypot(f.dx.x, f.dx.y), Math.hypot(f.dy.x, f.dy.y));
  const k = Math.max(1, Math.min(4, Math.ceil(shrink)));
  const acc = [0, 0, 0];
  for (let oy = 0; oy < f.height; oy++) {
    for (let ox = 0; ox < f.width; ox++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const p = framePoint(f, ox + (sx + 0.5) / k, oy + (sy + 0.5) / k);
          const x = Math.min(W - 1, Math.max(0, p.x - 0.5));
          const y = Math.min(H - 1, Math.max(0, p.y - 0.5));
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = Math.min(W - 1, x0 + 1);
          const y1 = Math.min(H - 1, y0 + 1);
          const fx = x - x0;
          const fy = y - y0;
          for (let c = 0; c < 3; c++) {
            const top = data[(y0 * W + x0) * 3 + c]! * (1 - fx) + data[(y0 * W + x1) * 3 + c]! * fx;
            const bottom = data[(y1 * W + x0) * 3 + c]! * (1 - fx) + data[(y1 * W + x1) * 3 + c]! * fx;
            acc[c]! += top * (1 - fy) + bottom * fy;
          }
        }
      }
      const o = (oy * f.width + ox) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c]! / (k * k));
    }
  }
  return { width: f.width, height: f.height, data: out };
};
