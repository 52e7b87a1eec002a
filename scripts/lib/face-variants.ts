import sharp, { type Sharp } from 'sharp';
import type { FaceBox } from '../../src/pipelines/faces/box.js';
import type { RgbPixels } from '../../src/pipelines/faces/image.js';

/**
 * Same-face variants of a detected face, for calibrating and testing identification without a
 * labelled data set: what the same face looks like after a slightly different detector box, a
 * mirror image, heavy JPEG compression, or being photographed smaller.
 */
export type VariantKind = 'jitter' | 'mirror' | 'jpeg' | 'size';

export interface FaceVariant {
  name: string;
  kind: VariantKind;
  /** Larger side of the face box in the variant's pixels. */
  facePx: number;
  photo: RgbPixels;
  box: FaceBox;
}

/** Box shifts (fractions of the box's larger side) and scalings, like two detector runs disagree. */
const JITTERS: readonly { dx: number; dy: number; scale: number }[] = [
  { dx: 0.06, dy: 0, scale: 1 },
  { dx: -0.06, dy: 0.04, scale: 1 },
  { dx: 0, dy: -0.06, scale: 1.1 },
  { dx: 0.04, dy: 0.04, scale: 0.9 },
];
const JPEG_QUALITIES: readonly number[] = [30, 60];
/** Face sizes (larger box side, px) the face is shrunk to, as if photographed from further away. */
export const VARIANT_FACE_SIZES: readonly number[] = [60, 40, 30, 20];

const side = (box: FaceBox): number => Math.max(box.width, box.height);

const rawImage = (p: RgbPixels): Sharp => sharp(p.data, { raw: { width: p.width, height: p.height, channels: 3 } });

const toPixels = async (image: Sharp): Promise<RgbPixels> => {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
};

/** The face with room around it, so each variant works on a small image instead of the whole photo. */
const surroundings = async (photo: RgbPixels, box: FaceBox): Promise<{ photo: RgbPixels; box: FaceBox }> => {
  const pad = side(box) * 1.5;
  const left = Math.max(0, Math.floor(box.x - pad));
  const top = Math.max(0, Math.floor(box.y - pad));
  const width = Math.min(photo.width, Math.ceil(box.x + box.width + pad)) - left;
  const height = Math.min(photo.height, Math.ceil(box.y + box.height + pad)) - top;
  return {
    photo: await toPixels(rawImage(photo).extract({ left, top, width, height })),
    box: { ...box, x: box.x - left, y: box.y - top },
  };
};

export const faceVariants = async (source: RgbPixels, sourceBox: FaceBox): Promise<FaceVariant[]> => {
  const { photo, box } = await surroundings(source, sourceBox);
  const px = side(box);
  const variants: FaceVariant[] = JITTERS.map((j, i) => {
    const width = box.width * j.scale;
    const height = box.height * j.scale;
    return {
      name: `jitter${i + 1}`,
      kind: 'jitter',
      facePx: px * j.scale,
      photo,
      box: { x: box.x + j.dx * px + (box.width - width) / 2, y: box.y + j.dy * px + (box.height - height) / 2, width, height },
    };
  });
  variants.push({ name: 'mirror', kind: 'mirror', facePx: px, photo: await toPixels(rawImage(photo).flop()), box: { ...box, x: photo.width - box.x - box.width } });
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await rawImage(photo).jpeg({ quality }).toBuffer();
    variants.push({ name: `jpeg${quality}`, kind: 'jpeg', facePx: px, photo: await toPixels(sharp(jpeg)), box });
  }
  for (const target of VARIANT_FACE_SIZES) {
    if (target >= px) continue;
    const k = target / px;
    const width = Math.max(1, Math.round(photo.width * k));
    const height = Math.max(1, Math.round(photo.height * k));
    variants.push({
      name: `size${target}`,
      kind: 'size',
      facePx: target,
      photo: await toPixels(rawImage(photo).resize(width, height, { fit: 'fill' })),
      box: { x: box.x * k, y: box.y * k, width: box.width * k, height: box.height * k },
    });
  }
  return variants;
};
