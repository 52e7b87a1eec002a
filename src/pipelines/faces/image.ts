import sharp from 'sharp';
import { AppError } from '../../errors.js';

/** 8-bit RGB pixels, row-major, 3 bytes a pixel. */
export interface RgbPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes any image sharp reads into upright (EXIF-oriented) sRGB pixels; transparency is flattened
 * onto white, as a photo print would show it. Unreadable input is INVALID_IMAGE.
 */
export const decodeRgb = async (bytes: Uint8Array): Promise<RgbPixels> => {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data };
  } catch (cause) {
    throw new AppError('INVALID_IMAGE', `not a readable image: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
  }
};
