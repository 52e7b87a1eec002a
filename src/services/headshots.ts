import { headshotJpeg } from '../pipelines/faces/crop.js';
import { decodeRgb } from '../pipelines/faces/image.js';
import type { Face } from '../store/repositories/figures.js';
import type { Store } from '../store/store.js';

/**
 * Cuts a headshot of one face from its stored original photo (the box is in that photo's upright
 * pixels, as the pipeline decoded it) and stores it; its SHA-256, or null when the photo is not
 * stored (a face enrolled from a file outside the store).
 */
export async function cutHeadshot(store: Store, face: Face): Promise<string | null> {
  const source = face.sourceSha256 ?? (face.artefactId === null ? undefined : store.artefacts.byId(face.artefactId)?.fileSha256);
  if (source === undefined) return null;
  const photo = await decodeRgb(await store.files.read(source));
  const jpeg = await headshotJpeg(photo, { x: face.box.x, y: face.box.y, width: face.box.w, height: face.box.h });
  return (await store.files.putImage(jpeg)).sha256;
}
