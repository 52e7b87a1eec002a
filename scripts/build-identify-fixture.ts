/**
 * npm run build:identify-fixture [-- OUT_DIR] — builds the eval:identify fixture (default
 * test/fixtures/identify) from the only labelled-by-construction faces available offline: the 19
 * women of face-api's demo photos (node_modules/@vladmandic/face-api/demo, MIT), each in one photo.
 * Each person is a different identity. The first 12 are enrolled from a tight crop (train/<person>/);
 * every person's test image is another view cut from the same photo: a wider, shifted crop,
 * mirrored, brighter and recompressed (test/). The 7 not enrolled are labelled "unknown".
 * Because train and test come from one photo, this measures robustness to framing, mirroring and
 * compression, not to a different day, pose or age: an upper bound for real re-appearances.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { detectFaces } from '../src/pipelines/faces/detect.js';
import { decodeRgb, type RgbPixels } from '../src/pipelines/faces/image.js';
import { FACE_DETECTOR_MODEL, loadUltraFace } from '../src/pipelines/faces/ultraface.js';
import type { FaceBox } from '../src/pipelines/faces/box.js';
import { ModelStore } from '../src/model-store/store.js';
import { findPackageDir } from '../src/model-store/locate.js';
import { collectingTracer } from '../src/tracing/tracer.js';

const out = path.resolve(process.argv[2] ?? 'test/fixtures/identify');
const demoDir = path.join(findPackageDir('@vladmandic/face-api') ?? 'node_modules/@vladmandic/face-api', 'demo');
// sample2.jpg is left out: one of its detections is hair, not a face (docs/faces-identification.md).
const PHOTOS = ['sample1.jpg', 'sample3.jpg', 'sample4.jpg', 'sample5.jpg', 'sample6.jpg'];
const ENROLLED = 12;

/** A square cut around the face: `side` × the face's larger side, centre shifted by fractions of the box. */
const cut = async (photo: RgbPixels, box: FaceBox, side: number, shift: { x: number; y: number }, size: number): Promise<Sharp> => {
  const s = Math.round(Math.max(box.width, box.height) * side);
  const cx = box.x + box.width / 2 + shift.x * box.width;
  const cy = box.y + box.height / 2 + shift.y * box.height;
  const left = Math.max(0, Math.round(cx - s / 2));
  const top = Math.max(0, Math.round(cy - s / 2));
  const width = Math.min(photo.width - left, s);
  const height = Math.min(photo.height - top, s);
  return sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(size, size, { fit: 'contain', background: '#808080' });
};

const detector = await loadUltraFace(await (await ModelStore.open({ cacheDir: path.join(out, '.models') })).path(FACE_DETECTOR_MODEL));
await rm(out, { recursive: true, force: true });
const labels: Record<string, string> = {};
let n = 0;
for (const file of PHOTOS) {
  const photo = await decodeRgb(await readFile(path.join(demoDir, file)));
  const { faces } = await detectFaces(photo, detector, collectingTracer().tracer);
  for (const face of [...faces].sort((a, b) => a.box.x - b.box.x)) {
    n++;
    const person = `person-${String(n).padStart(2, '0')}`;
    const testName = `${person}-view.jpg`;
    if (n <= ENROLLED) {
      await mkdir(path.join(out, 'train', person), { recursive: true });
      await writeFile(path.join(out, 'train', person, `${file.replace('.jpg', '')}.jpg`), await (await cut(photo, face.box, 1.8, { x: 0, y: 0 }, 256)).jpeg({ quality: 90 }).toBuffer());
    }
    const view = (await cut(photo, face.box, 2.0, { x: 0.1, y: -0.06 }, 240)).flop().modulate({ brightness: 1.12, saturation: 0.9 }).jpeg({ quality: 70 });
    await mkdir(path.join(out, 'test'), { recursive: true });
    await writeFile(path.join(out, 'test', testName), await view.toBuffer());
    labels[testName] = n <= ENROLLED ? person : 'unknown';
  }
}
await rm(path.join(out, '.models'), { recursive: true, force: true });
await writeFile(path.join(out, 'labels.json'), `${JSON.stringify(labels, null, 2)}\n`);
console.log(`${n} people from ${PHOTOS.length} photos: ${Math.min(n, ENROLLED)} enrolled, ${Math.max(0, n - ENROLLED)} unknown -> ${out}`);
