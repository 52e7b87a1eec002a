import { headshotJpeg } from '../pipelines/faces/crop.js';
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

/** Cuts a headshot of one face (see faceCrop) and stores it; its SHA-256, or null when the photo is not stored. */
export async function cutHeadshot(store: Store, face: Face): Promise<string | null> {
  const jpeg = await faceCrop(store, face);
  return jpeg === null ? null : (await store.files.putImage(jpeg)).sha256;
}
