import { readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors.js';

/** Formats every vision endpoint we target accepts as-is; anything else is re-encoded as JPEG. */
const SENDABLE = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
type Sendable = keyof typeof SENDABLE;
const isSendable = (format: string | undefined): format is Sendable => format !== undefined && format in SENDABLE;

/**
 * Turns an image (bytes or a file path) into a `data:` URL for a vision model, downscaled so that its
 * longer side is at most `maxSide`, with the MIME type of the bytes actually sent (image/jpeg, never
 * image/jpg). Images already small enough, upright and in a sendable format go out untouched.
 */
export async function imageToDataUrl(image: Buffer | string, maxSide: number): Promise<string> {
  let bytes: Buffer;
  let meta: Metadata;
  try {
    bytes = typeof image === 'string' ? await readFile(image) : image;
    meta = await sharp(bytes).metadata();
  } catch (error) {
    const what = typeof image === 'string' ? image : 'the image';
    throw new AppError('INVALID_IMAGE', `cannot read ${what} for the language model: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  const format = isSendable(meta.format) ? meta.format : 'jpeg';
  const tooLarge = Math.max(meta.width, meta.height) > maxSide;
  const rotated = meta.orientation !== undefined && meta.orientation !== 1;
  if (tooLarge || rotated || format !== meta.format) {
    // rotate() applies the EXIF orientation, so the model sees the page the way a person does.
    bytes = await sharp(bytes)
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toFormat(format)
      .toBuffer();
  }
  return `data:${SENDABLE[format]};base64,${bytes.toString('base64')}`;
}
