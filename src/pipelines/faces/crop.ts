import sharp from 'sharp';
import { AppError } from '../../errors.js';
import type { FaceBox } from './box.js';
import type { RgbPixels } from './image.js';

export interface SquareCropOptions {
  /** Output side in pixels. */
  size: number;
  /** Added on each side of the box's larger side, as a fraction of it. */
  margin: number;
}

/**
 * The square region centred on `box` (its larger side plus `margin` on each side), resized to
 * `size`×`size` RGB. Parts outside the photo are black. Without landmarks this is the alignment:
 * centred and scaled by the box, not rotated.
 */
export const cropSquare = async (photo: RgbPixels, box: FaceBox, options: SquareCropOptions): Promise<RgbPixels> => {
  const { size, margin } = options;
  if (!(box.width > 0 && box.height > 0)) throw new AppError('INVALID_IMAGE', `face box has no area (${box.width}×${box.height})`);
  const side = Math.max(box.width, box.height) * (1 + 2 * margin);
  const left = box.x + box.width / 2 - side / 2;
  const top = box.y + box.height / 2 - side / 2;
  // The part of the square inside the photo, in whole pixels; only sides that cross the photo's
  // border are padded, so rounding never adds a black line inside the photo.
  const scale = size / side;
  const right = left + side;
  const bottom = top + side;
  const x0 = Math.max(0, Math.round(left));
  const y0 = Math.max(0, Math.round(top));
  const x1 = Math.min(photo.width, Math.round(right));
  const y1 = Math.min(photo.height, Math.round(bottom));
  if (x1 - x0 < 1 || y1 - y0 < 1) throw new AppError('INVALID_IMAGE', 'face box lies outside the image');
  const pad = (outside: number): number => (outside > 0 ? Math.min(size - 1, Math.round(outside * scale)) : 0);
  const padLeft = pad(-left);
  const padTop = pad(-top);
  const padRight = Math.min(size - 1 - padLeft, pad(right - photo.width));
  const padBottom = Math.min(size - 1 - padTop, pad(bottom - photo.height));
  const innerWidth = size - padLeft - padRight;
  const innerHeight = size - padTop - padBottom;
  const inner = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .resize(innerWidth, innerHeight, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
  const data =
    innerWidth === size && innerHeight === size
      ? inner
      : await sharp(inner, { raw: { width: innerWidth, height: innerHeight, channels: 3 } })
          .extend({ left: padLeft, top: padTop, right: padRight, bottom: padBottom, background: '#000000' })
          .raw()
          .toBuffer();
  return { width: size, height: size, data };
};

/** Headshots for new figures: head and a little of the shoulders, 160 px square. */
export const HEADSHOT_CROP: Readonly<SquareCropOptions> = { size: 160, margin: 0.5 };

/** A JPEG headshot of one face, for a figure's picture. */
export const headshotJpeg = async (photo: RgbPixels, box: FaceBox, options: SquareCropOptions = HEADSHOT_CROP): Promise<Buffer> => {
  const crop = await cropSquare(photo, box, options);
  return sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
};
