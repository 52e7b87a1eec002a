import sharp from 'sharp';
import { AppError } from '../errors.js';

/** The longest side this server renders (info.json's maxWidth and maxHeight). */
export const MAX_SIDE = 4096;
// Tiles viewers ask for (OpenSeadragon, Mirador, Universal Viewer), and the scales they come at.
const TILE = 512;
const SCALE_FACTORS = [1, 2, 4, 8, 16, 32];

export const IMAGE_FORMATS = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
export type ImageFormat = keyof typeof IMAGE_FORMATS;
const QUALITIES = ['default', 'color', 'gray', 'bitonal'] as const;
type Quality = (typeof QUALITIES)[number];
// Valid in the Image API but not made here: 501 rather than 400.
const OTHER_FORMATS = new Set(['tif', 'gif', 'jp2', 'pdf']);

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A parsed image request, in pixels of the upright image. */
export interface ImageRequest {
  region: Rect;
  width: number;
  height: number;
  mirror: boolean;
  rotation: 0 | 90 | 180 | 270;
  quality: Quality;
  format: ImageFormat;
  /** The canonical form of the request's path (`region/size/rotation/quality.format`), the key of its cached derivative. */
  canonical: string;
}

export interface ImageParams {
  region: string;
  size: string;
  rotation: string;
  /** `quality.format`, as in the URL's last segment. */
  file: string;
}

/** The Image API's errors: 400 for a request that is wrong, 501 for a valid one this server does not do. */
export class ImageRequestError extends AppError {
  constructor(
    message: string,
    readonly status: 400 | 501,
  ) {
    super('BAD_USER_INPUT', message, { status });
  }
}

const bad = (message: string) => new ImageRequestError(message, 400);
const NUMBER = String.raw`\d+(?:\.\d+)?`;

function parseRegion(region: string, image: { width: number; height: number }): Rect {
  if (region === 'full') return { left: 0, top: 0, width: image.width, height: image.height };
  if (region === 'square') {
    const side = Math.min(image.width, image.height);
    return { left: Math.floor((image.width - side) / 2), top: Math.floor((image.height - side) / 2), width: side, height: side };
  }
  const m = new RegExp(`^(pct:)?(${NUMBER}),(${NUMBER}),(${NUMBER}),(${NUMBER})$`).exec(region);
  if (m === null) throw bad(`Region "${region}" is not full, square, x,y,w,h or pct:x,y,w,h`);
  const [x, y, w, h] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  if (m[1] === undefined && [x, y, w, h].some((n) => !Number.isInteger(n))) throw bad('Pixel regions are whole numbers');
  const px = m[1] === undefined ? { x, y, w, h } : { x: (x * image.width) / 100, y: (y * image.height) / 100, w: (w * image.width) / 100, h: (h * image.height) / 100 };
  const left = Math.round(px.x);
  const top = Math.round(px.y);
  const width = Math.min(Math.round(px.w), image.width - left);
  const height = Math.min(Math.round(px.h), image.height - top);
  if (width <= 0 || height <= 0) throw bad(`Region "${region}" is empty or outside the ${image.width}×${image.height} image`);
  return { left, top, width, height };
}

function parseSize(size: string, region: Rect): { width: number; height: number } {
  const m = new RegExp(`^(\\^)?(?:(max)|pct:(${NUMBER})|(!)?(\\d+)?,(\\d+)?)$`).exec(size);
  if (m === null || (m[2] === undefined && m[3] === undefined && m[5] === undefined && m[6] === undefined)) {
    throw bad(`Size "${size}" is not max, w,, ,h, pct:n, w,h or !w,h (each may start with ^)`);
  }
  const upscale = m[1] !== undefined;
  const ratio = region.width / region.height;
  let width: number;
  let height: number;
  if (m[2] !== undefined) {
    ({ width, height } = maxSize(region, upscale));
  } else if (m[3] !== undefined) {
    const pct = Number(m[3]);
    width = (region.width * pct) / 100;
    height = (region.height * pct) / 100;
  } else {
    const w = m[5] === undefined ? undefined : Number(m[5]);
    const h = m[6] === undefined ? undefined : Number(m[6]);
    if (m[4] !== undefined) {
      if (w === undefined || h === undefined) throw bad(`Size "${size}" needs both w and h`);
      const scale = Math.min(w / region.width, h / region.height);
      width = region.width * scale;
      height = region.height * scale;
    } else {
      width = w ?? (h as number) * ratio;
      height = h ?? (w as number) / ratio;
    }
  }
  width = Math.max(1, Math.round(width));
  height = Math.max(1, Math.round(height));
  if (!upscale && (width > region.width || height > region.height)) throw bad(`Size "${size}" is larger than the region; ask with ^ to upscale`);
  if (width > MAX_SIDE || height > MAX_SIDE) throw bad(`Size "${size}" is larger than ${MAX_SIDE} pixels on a side (maxWidth, maxHeight)`);
  return { width, height };
}

function parseRotation(rotation: string): { mirror: boolean; degrees: ImageRequest['rotation'] } {
  const m = new RegExp(`^(!)?(${NUMBER})$`).exec(rotation);
  const degrees = m === null ? NaN : Number(m[2]);
  if (m === null || degrees > 360) throw bad(`Rotation "${rotation}" is not a number of degrees from 0 to 360, optionally after !`);
  const turn = degrees % 360;
  if (turn !== 0 && turn !== 90 && turn !== 180 && turn !== 270) throw new ImageRequestError('Only rotations by multiples of 90° are made here', 501);
  return { mirror: m[1] !== undefined, degrees: turn };
}

function parseFile(file: string): { quality: Quality; format: ImageFormat } {
  const m = /^([a-z]+)\.([a-z0-9]+)$/.exec(file);
  if (m === null) throw bad(`"${file}" is not quality.format`);
  const [, quality, format] = m as unknown as [string, string, string];
  if (!(QUALITIES as readonly string[]).includes(quality)) throw bad(`Quality "${quality}" is not one of ${QUALITIES.join(', ')}`);
  if (!Object.hasOwn(IMAGE_FORMATS, format)) {
    if (OTHER_FORMATS.has(format)) throw new ImageRequestError(`Format "${format}" is not made here; ask for jpg, png or webp`, 501);
    throw bad(`Format "${format}" is not an image format of the Image API`);
  }
  return { quality: quality as Quality, format: format as ImageFormat };
}

/** Parses an Image API request against the upright image's size; ImageRequestError (400 or 501) when it cannot be made. */
export function parseImageRequest(params: ImageParams, image: { width: number; height: number }): ImageRequest {
  const region = parseRegion(params.region, image);
  const size = parseSize(params.size, region);
  const { mirror, degrees } = parseRotation(params.rotation);
  const { quality, format } = parseFile(params.file);
  const full = region.left === 0 && region.top === 0 && region.width === image.width && region.height === image.height;
  const canonical = [
    full ? 'full' : `${region.left},${region.top},${region.width},${region.height}`,
    full && size.width === image.width && size.height === image.height ? 'max' : `${size.width},${size.height}`,
    `${mirror ? '!' : ''}${degrees}`,
    `${quality === 'color' ? 'default' : quality}.${format}`,
  ].join('/');
  return { region, ...size, mirror, rotation: degrees, quality, format, canonical };
}

/**
 * Renders a request from the stored image: upright (EXIF orientation), region, size, mirror, rotation,
 * quality, format, in the Image API's order. Two passes, because sharp applies one rotation per pass.
 */
export async function renderImage(source: string, request: ImageRequest): Promise<Buffer> {
  const cut = await sharp(source, { limitInputPixels: false })
    .autoOrient()
    .extract(request.region)
    .resize(request.width, request.height, { fit: 'fill' })
    .png()
    .toBuffer();
  let image = sharp(cut);
  if (request.mirror) image = image.flop();
  if (request.rotation !== 0) image = image.rotate(request.rotation);
  // sharp writes sRGB unless told otherwise: grey and bitonal images leave with one channel.
  if (request.quality === 'gray') image = image.grayscale().toColourspace('b-w');
  if (request.quality === 'bitonal') image = image.threshold(128).toColourspace('b-w');
  if (request.format === 'jpg') return image.jpeg({ quality: 85 }).toBuffer();
  if (request.format === 'webp') return image.webp({ quality: 85 }).toBuffer();
  return image.png().toBuffer();
}

/** The Image API 3.0 description of an artefact's image (info.json). */
export function imageInfo(serviceId: string, image: { width: number; height: number }) {
  return {
    '@context': 'http://iiif.io/api/image/3/context.json',
    id: serviceId,
    type: 'ImageService3',
    protocol: 'http://iiif.io/api/image',
    profile: 'level2',
    width: image.width,
    height: image.height,
    maxWidth: MAX_SIDE,
    maxHeight: MAX_SIDE,
    tiles: [{ width: TILE, scaleFactors: SCALE_FACTORS.filter((f) => f === 1 || Math.max(image.width, image.height) / f >= TILE / 2) }],
    extraFormats: ['webp'],
    extraQualities: ['color', 'gray', 'bitonal'],
    extraFeatures: ['mirroring', 'regionSquare', 'sizeUpscaling'],
  };
}

/** The size `max` stands for: the region itself within MAX_SIDE (filling it with ^). */
export function maxSize(region: { width: number; height: number }, upscale = false): { width: number; height: number } {
  const scale = Math.min(upscale ? Infinity : 1, MAX_SIDE / region.width, MAX_SIDE / region.height);
  return { width: Math.round(region.width * scale), height: Math.round(region.height * scale) };
}
