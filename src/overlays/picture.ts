import sharp from 'sharp';
import { svgDocument } from './svg.js';

/** Longest side of an overlay picture, in pixels: enough to read a page, small enough to send. */
export const OVERLAY_MAX_SIDE = 2048;

/**
 * Draws an overlay on an image: the image turned upright (EXIF orientation, as the pipelines read
 * it) and scaled to at most OVERLAY_MAX_SIDE, with `draw(scale, width, height)` giving the SVG
 * elements in the scaled picture's pixels. A JPEG.
 */
export async function drawOver(image: Buffer, draw: (scale: number, width: number, height: number) => string[]): Promise<Buffer> {
  const upright = sharp(image).rotate();
  const { info } = await upright.clone().raw().toBuffer({ resolveWithObject: true });
  const scale = Math.min(1, OVERLAY_MAX_SIDE / Math.max(info.width, info.height));
  const width = Math.round(info.width * scale);
  const height = Math.round(info.height * scale);
  const svg = svgDocument(width, height, draw(scale, width, height));
  return upright
    .resize(width, height, { fit: 'fill' })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}
