import sharp from 'sharp';
import { iou, type FaceBox } from './box.js';
import type { RgbPixels } from './image.js';
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, type UltraFace } from './ultraface.js';

export interface SecondLookOptions {
  /**
   * Sizes, in detector pixels, the candidate's larger side is scaled to, tried in turn; the first
   * look that finds the face again ends it.
   */
  faceSizesPx: readonly number[];
  /** Score (0..1) the face needs when seen again. */
  minScore: number;
  /** IoU the box seen again needs with the candidate, both in photo pixels. */
  iou: number;
}

/**
 * Measured on the evaluation set (docs/faces-detection.md): seen again at 40 px every true face
 * scored ≥ 0.88 and every false box ≤ 0.78 (≤ 0.39 among boxes over the 0.75 first-pass threshold).
 * One size alone is fragile, as a face's score moves with its framing (at 48 px one true face fell
 * to 0.12), so 56 px is the fallback.
 */
export const DEFAULT_SECOND_LOOK: Readonly<SecondLookOptions> = { faceSizesPx: [40, 56], minScore: 0.5, iou: 0.4 };

interface View {
  /** 320×240 RGB: the photo around the candidate, mid-grey where the window leaves the photo. */
  pixels: Uint8Array;
  /** The window's top-left corner in photo pixels. */
  left: number;
  top: number;
  /** Detector pixels per photo pixel. */
  scale: number;
}

/** One detector input centred on `box`, the photo scaled so that the box's larger side is `facePx`. */
const centredView = async (photo: RgbPixels, box: FaceBox, facePx: number): Promise<View> => {
  const scale = facePx / Math.max(box.width, box.height);
  const left = box.x + box.width / 2 - DETECTOR_WIDTH / 2 / scale;
  const top = box.y + box.height / 2 - DETECTOR_HEIGHT / 2 / scale;
  const x0 = Math.max(0, Math.floor(left));
  const y0 = Math.max(0, Math.floor(top));
  const x1 = Math.min(photo.width, Math.ceil(left + DETECTOR_WIDTH / scale));
  const y1 = Math.min(photo.height, Math.ceil(top + DETECTOR_HEIGHT / scale));
  const offsetX = Math.max(0, Math.round((x0 - left) * scale));
  const offsetY = Math.max(0, Math.round((y0 - top) * scale));
  const width = Math.max(1, Math.min(DETECTOR_WIDTH - offsetX, Math.round((x1 - x0) * scale)));
  const height = Math.max(1, Math.min(DETECTOR_HEIGHT - offsetY, Math.round((y1 - y0) * scale)));
  const part = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract({ left: x0, top: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const pixels = new Uint8Array(DETECTOR_WIDTH * DETECTOR_HEIGHT * 3).fill(127);
  for (let row = 0; row < height; row++) {
    pixels.set(part.subarray(row * width * 3, (row + 1) * width * 3), ((offsetY + row) * DETECTOR_WIDTH + offsetX) * 3);
  }
  return { pixels, left, top, scale };
};

/**
 * A second look at a candidate face: the detector runs once more on a window centred on it, at a
 * size it handles well and with the surroundings in view. Returns the best score of a box found
 * there on the same place (0 when none reaches `minScore`). Hands, shoulders, hair and blobs that
 * scored high among a pyramid's many tiles are rarely found again.
 */
export const secondLookScore = async (
  photo: RgbPixels,
  box: FaceBox,
  detector: UltraFace,
  options: SecondLookOptions = DEFAULT_SECOND_LOOK,
): Promise<number> => {
  let best = 0;
  for (const facePx of options.faceSizesPx) {
    const view = await centredView(photo, box, facePx);
    for (const found of await detector.run(view.pixels, options.minScore)) {
      const seen = {
        x: view.left + found.box.x / view.scale,
        y: view.top + found.box.y / view.scale,
        width: found.box.width / view.scale,
        height: found.box.height / view.scale,
      };
      if (iou(seen, box) >= options.iou) best = Math.max(best, found.score);
    }
    if (best >= options.minScore) break;
  }
  return best;
};
