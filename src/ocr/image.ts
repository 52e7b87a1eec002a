import sharp from 'sharp';
import { AppError } from '../errors.js';

/** 8-bit RGB pixels, row-major, 3 bytes a pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodedPage {
  /** Size of the page as stored (after EXIF orientation): the frame of every reported coordinate. */
  width: number;
  height: number;
  /** The page scaled so its long side is at most the working limit. */
  image: RgbImage;
  /** Working pixels per page pixel (≤ 1). */
  scale: number;
}

/**
 * Decodes any image sharp reads into RGB on white (transparent areas become paper, not black),
 * downscaling first so an 8,000 px scan costs no more than a 2,000 px one. Small pages are not
 * enlarged here: the detector scales its own input, and line images are sampled bilinearly.
 */
export const decodePage = async (bytes: Uint8Array, maxSide: number): Promise<DecodedPage> => {
  try {
    const oriented = sharp(bytes, { failOn: 'truncated', autoOrient: true });
    const meta = await oriented.metadata();
    const width = meta.autoOrient.width;
    const height = meta.autoOrient.height;
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const { data, info } = await oriented
      .resize({
        width: Math.max(1, Math.round(width * scale)),
        height: Math.max(1, Math.round(height * scale)),
        fit: 'fill',
        kernel: 'lanczos3',
      })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      width,
      height,
      image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
      scale: info.width / width,
    };
  } catch (cause) {
    throw new AppError('INVALID_IMAGE', `not a readable image: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, {
      cause,
    });
  }
};

/** Resizes raw RGB to an exact size (the detector needs multiples of 32). */
export const resizeRgb = async (image: RgbImage, width: number, height: number): Promise<RgbImage> => {
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height, fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
};

/** Turns the page upside down. */
export const rotate180 = (image: RgbImage): RgbImage => {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const j = (n - 1 - i) * 3;
    out[i * 3] = data[j]!;
    out[i * 3 + 1] = data[j + 1]!;
    out[i * 3 + 2] = data[j + 2]!;
  }
  return { width, height, data: out };
};

/** Copies a rectangle out of an image (integer pixel bounds, clipped to the image). */
export const cropRgb = (image: RgbImage, x0: number, y0: number, x1: number, y1: number): RgbImage => {
  const left = Math.max(0, Math.floor(x0));
  const top = Math.max(0, Math.floor(y0));
  const width = Math.max(1, Math.min(image.width, Math.ceil(x1)) - left);
  const height = Math.max(1, Math.min(image.height, Math.ceil(y1)) - top);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data: out };
};
