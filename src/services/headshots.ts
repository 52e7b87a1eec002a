import sharp from 'sharp';
import { HEADSHOT_CROP, headshotJpeg } from '../pipelines/faces/crop.js';
import { decodeRgb } from '../pipelines/faces/image.js';
import type { Face } from '../store/repositories/figures.js';
import type { Store } from '../store/store.js';

/**
 * A JPEG of one face cut from its stored original photo (the box is in that photo's upright
 * pixels, as the pipeline decoded it); null when the photo is not stored (a face enrolled from a
 * file outside the store).
 */
export async function faceCrop(store: Store, face: Face): Promise<Buffer | null> {
  const source = face.sourceSha256 ?? (face.artefactId === null ? undefined : store.artefacts.byId(face.artefactId)?.fileSha256);
  if (source === undefined) return null;
  const photo = await decodeRgb(await store.files.read(source));
  return headshotJpeg(photo, { x: face.box.x, y: face.box.y, width: face.box.w, height: face.box.h });
}

/**
 * Stores a picture (checked as every upload is) and a headshot made from it: upright, cut to its
 * most salient square, the size and format of those cut from faces. The headshot's SHA-256.
 */
export async function portraitHeadshot(store: Store, picture: Buffer): Promise<string> {
  const stored = await store.files.putImage(picture);
  const jpeg = await sharp(await store.files.read(stored.sha256))
    .rotate()
    .resize(HEADSHOT_CROP.size, HEADSHOT_CROP.size, { fit: 'cover', position: 'attention' })
    .jpeg({ quality: 90 })
    .toBuffer();
  return (await store.files.putImage(jpeg)).sha256;
}

/** Cuts a headshot of one face (see faceCrop) and stores it; its SHA-256, or null when the photo is not stored. */
export async function cutHeadshot(store: Store, face: Face): Promise<string | null> {
  const jpeg = await faceCrop(store, face);
  return jpeg === null ? null : (await store.files.putImage(jpeg)).sha256;
}
