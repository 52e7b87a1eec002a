import sharp from 'sharp';
import { AppError } from '../../errors.js';
import type { FaceBox } from './box.js';
import { FACE_CHIP_SIZE } from './embed.js';
import type { RgbPixels } from './image.js';

/** Where the chip's square lies relative to the detector's box. */
export interface ChipFraming {
  /** Side of the square as a multiple of the box's geometric mean side, sqrt(width × height). */
  scale: number;
  /** Downward shift of the square's centre, as a fraction of the box height. */
  shiftY: number;
}

/**
 * UltraFace boxes run from the hairline to the chin; face-api (whose crops the network was used
 * with) crops the landmarks' box plus 20%, which sits lower and is about square. These values map
 * one to the other; measured in docs/faces-identification.md.
 */
export const DEFAULT_CHIP_FRAMING: Readonly<ChipFraming> = { scale: 1.07, shiftY: 0.09 };

/**
 * Cuts the square framed on `box` and resizes it to the 150×150 chip the embedder reads. Parts of
 * the square outside the photo are black, as face-api pads. Returns raw RGB.
 */
export const cropFaceChip = async (image: RgbPixels, box: FaceBox, framing: Readonly<ChipFraming> = DEFAULT_CHIP_FRAMING): Promise<Uint8Array> => {
  if (!(box.width > 0 && box.height > 0)) throw new AppError('INVALID_IMAGE', `face box has no area (${box.width}×${box.height})`);
  const side = Math.sqrt(box.width * box.height) * framing.scale;
  const left = box.x + box.width / 2 - side / 2;
  const top = box.y + box.height / 2 + framing.shiftY * box.height - side / 2;
  // The part of the square that lies inside the photo, in whole pixels.
  const x0 = Math.max(0, Math.round(left));
  const y0 = Math.max(0, Math.round(top));
  const x1 = Math.min(image.width, Math.round(left + side));
  const y1 = Math.min(image.height, Math.round(top + side));
  if (x1 - x0 < 1 || y1 - y0 < 1) throw new AppError('INVALID_IMAGE', 'face box lies outside the image');
  const scale = FACE_CHIP_SIZE / side;
  const innerWidth = Math.max(1, Math.min(FACE_CHIP_SIZE, Math.round((x1 - x0) * scale)));
  const innerHeight = Math.max(1, Math.min(FACE_CHIP_SIZE, Math.round((y1 - y0) * scale)));
  const padLeft = Math.min(FACE_CHIP_SIZE - innerWidth, Math.max(0, Math.round((x0 - left) * scale)));
  const padTop = Math.min(FACE_CHIP_SIZE - innerHeight, Math.max(0, Math.round((y0 - top) * scale)));
  const inner = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .resize(innerWidth, innerHeight, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  if (innerWidth === FACE_CHIP_SIZE && innerHeight === FACE_CHIP_SIZE) return inner;
  return sharp(inner, { raw: { width: innerWidth, height: innerHeight, channels: 3 } })
    .extend({
      left: padLeft,
      top: padTop,
      right: FACE_CHIP_SIZE - innerWidth - padLeft,
      bottom: FACE_CHIP_SIZE - innerHeight - padTop,
      background: '#000000',
    })
    .raw()
    .toBuffer();
};
