import { DETECTOR_HEIGHT, DETECTOR_WIDTH } from './ultraface.js';

/**
 * Where the detector looks: an image pyramid cut into detector-sized tiles. The coarsest level is
 * the whole image fitted into one 320×240 input; each finer level enlarges the image by a constant
 * factor until the smallest face worth finding is `detectableFacePx` high at the detector's scale.
 */
export interface TilingOptions {
  /** Smallest face height to look for, in photo pixels, as a fraction of the photo's shorter side. */
  minFaceFraction: number;
  /** ...but never below this many photo pixels (faces that small carry no identity). */
  minFacePx: number;
  /** Face height, in detector pixels, that the detector finds reliably (its smallest prior is 10). */
  detectableFacePx: number;
  /** Largest enlargement between two neighbouring levels. */
  maxLevelStep: number;
  /** Largest enlargement of the photo at any level. */
  maxUpscale: number;
  /** Overlap between neighbouring tiles, in detector pixels: faces up to this size fit whole in some tile. */
  overlapPx: number;
}

export const DEFAULT_TILING: Readonly<TilingOptions> = {
  minFaceFraction: 0.02,
  minFacePx: 10,
  detectableFacePx: 20,
  maxLevelStep: 2,
  maxUpscale: 3,
  overlapPx: 64,
};

/** One detector input: a window of the photo resized by `scale` (detector px = photo px × scale). */
export interface Tile {
  level: number;
  scale: number;
  /** Window on the level image (the photo resized by `scale`), in level pixels; at most 320×240. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** Which window edges lie inside the photo (a face cut there is found whole in a neighbouring tile). */
  innerEdges: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export interface Level {
  level: number;
  scale: number;
  /** Size of the photo resized by `scale`. */
  width: number;
  height: number;
  tiles: Tile[];
}

/** Evenly spread window starts covering `length` with windows of `window` overlapping by at least `overlap`. */
const starts = (length: number, window: number, overlap: number): number[] => {
  if (length <= window) return [0];
  const count = Math.ceil((length - overlap) / (window - overlap));
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - window)) / (count - 1)));
};

/** The smallest face height, in photo pixels, the pyramid is built to find in a photo of this size. */
export const smallestFacePx = (photoWidth: number, photoHeight: number, options: TilingOptions = DEFAULT_TILING): number =>
  Math.max(options.minFacePx, options.minFaceFraction * Math.min(photoWidth, photoHeight));

export const planLevels = (photoWidth: number, photoHeight: number, options: TilingOptions = DEFAULT_TILING): Level[] => {
  const fit = Math.min(DETECTOR_WIDTH / photoWidth, DETECTOR_HEIGHT / photoHeight, options.maxUpscale);
  const minFace = smallestFacePx(photoWidth, photoHeight, options);
  const finest = Math.min(options.maxUpscale, Math.max(fit, options.detectableFacePx / minFace));
  // Geometric steps from `fit` to `finest`, none larger than maxLevelStep.
  const steps = finest > fit ? Math.ceil(Math.log(finest / fit) / Math.log(options.maxLevelStep) - 1e-9) : 0;
  const levels: Level[] = [];
  for (let level = 0; level <= steps; level++) {
    const scale = steps === 0 ? fit : fit * (finest / fit) ** (level / steps);
    const width = Math.max(1, Math.round(photoWidth * scale));
    const height = Math.max(1, Math.round(photoHeight * scale));
    const tiles: Tile[] = [];
    const xs = starts(width, DETECTOR_WIDTH, options.overlapPx);
    const ys = starts(height, DETECTOR_HEIGHT, options.overlapPx);
    for (const top of ys) {
      for (const left of xs) {
        const w = Math.min(DETECTOR_WIDTH, width - left);
        const h = Math.min(DETECTOR_HEIGHT, height - top);
        tiles.push({
          level,
          scale,
          left,
          top,
          width: w,
          height: h,
          innerEdges: { left: left > 0, top: top > 0, right: left + w < width, bottom: top + h < height },
        });
      }
    }
    levels.push({ level, scale, width, height, tiles });
  }
  return levels;
};
