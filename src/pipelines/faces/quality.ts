import type { FaceBox } from './box.js';
import type { RgbPixels } from './image.js';

/** Side of the grey patch the face is resampled to before measuring sharpness. */
const PATCH = 64;

/**
 * Variance of the Laplacian of the face, resampled (bilinear) to a 64×64 grey patch so faces of any
 * size are measured on the same grid. Blurred or upscaled-tiny faces give low values.
 */
export const laplacianVariance = (photo: RgbPixels, box: FaceBox): number => {
  const grey = new Float32Array(PATCH * PATCH);
  const at = (x: number, y: number): number => {
    const cx = Math.min(photo.width - 1, Math.max(0, x));
    const cy = Math.min(photo.height - 1, Math.max(0, y));
    const i = (cy * photo.width + cx) * 3;
    // ITU-R BT.601 luma.
    return 0.299 * (photo.data[i] ?? 0) + 0.587 * (photo.data[i + 1] ?? 0) + 0.114 * (photo.data[i + 2] ?? 0);
  };
  for (let py = 0; py < PATCH; py++) {
    const sy = box.y + ((py + 0.5) * box.height) / PATCH - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let px = 0; px < PATCH; px++) {
      const sx = box.x + ((px + 0.5) * box.width) / PATCH - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      grey[py * PATCH + px] = top * (1 - fy) + bottom * fy;
    }
  }
  let sum = 0;
  let sumSq = 0;
  const n = (PATCH - 2) * (PATCH - 2);
  for (let y = 1; y < PATCH - 1; y++) {
    for (let x = 1; x < PATCH - 1; x++) {
      const i = y * PATCH + x;
      const lap = (grey[i - 1] ?? 0) + (grey[i + 1] ?? 0) + (grey[i - PATCH] ?? 0) + (grey[i + PATCH] ?? 0) - 4 * (grey[i] ?? 0);
      sum += lap;
      sumSq += lap * lap;
    }
  }
  return sumSq / n - (sum / n) ** 2;
};

export interface FaceQuality {
  /** 0..1, higher is a better face to identify and to show. */
  quality: number;
  /** The Laplacian variance it was computed from. */
  sharpness: number;
}

/** Face height (photo px) from which size stops adding to quality: identification works well above it. */
const FULL_SIZE_PX = 64;
/** Laplacian variance at which the sharpness term is 0.5. */
const SHARPNESS_HALF = 40;
/** Typical width/height of UltraFace boxes on frontal faces; profiles and bad boxes are further off. */
const FRONTAL_ASPECT = 0.8;

/**
 * quality = 0.35·size + 0.30·sharpness + 0.20·score + 0.15·aspect, each term in 0..1:
 * size = min(1, height / 64 px); sharpness = v / (v + 40) for Laplacian variance v on a 64×64 patch;
 * score = the detector's; aspect = 1 − min(1, |ln((w/h) / 0.8)| / ln 1.6).
 */
export const faceQuality = (photo: RgbPixels, box: FaceBox, score: number): FaceQuality => {
  const sharpness = laplacianVariance(photo, box);
  const size = Math.min(1, box.height / FULL_SIZE_PX);
  const sharp = sharpness / (sharpness + SHARPNESS_HALF);
  const aspect = 1 - Math.min(1, Math.abs(Math.log(box.width / box.height / FRONTAL_ASPECT)) / Math.log(1.6));
  return { quality: 0.35 * size + 0.3 * sharp + 0.2 * score + 0.15 * aspect, sharpness };
};
