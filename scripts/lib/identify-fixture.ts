import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FaceBox } from '../../src/pipelines/faces/box.js';
import { detectFaces } from '../../src/pipelines/faces/detect.js';
import { decodeRgb, type RgbPixels } from '../../src/pipelines/faces/image.js';
import type { UltraFace } from '../../src/pipelines/faces/ultraface.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { IMAGE_FILE } from './enrol.js';

/** One labelled image of an identify fixture; each unknown person is an identity of their own. */
export interface FixtureImage {
  identity: string;
  file: string;
}

/**
 * The images of an identify fixture (DIR/train/<person>/*, and DIR/test/* labelled by
 * DIR/labels.json), so every pair of them is genuine (same person) or impostor.
 */
export const fixtureImages = async (dir: string): Promise<FixtureImage[]> => {
  const labels = JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8')) as Record<string, string>;
  const images: FixtureImage[] = [];
  for (const person of (await readdir(path.join(dir, 'train'))).sort()) {
    for (const file of (await readdir(path.join(dir, 'train', person))).filter((f) => IMAGE_FILE.test(f)).sort()) {
      images.push({ identity: person, file: path.join(dir, 'train', person, file) });
    }
  }
  for (const [file, person] of Object.entries(labels)) images.push({ identity: person === 'unknown' ? `unknown ${file}` : person, file: path.join(dir, 'test', file) });
  return images;
};

/** The image's largest face as the product's detector finds it (the labelled person). */
export const largestFace = async (file: string, detector: UltraFace): Promise<{ photo: RgbPixels; box: FaceBox }> => {
  const photo = await decodeRgb(await readFile(file));
  const { faces } = await detectFaces(photo, detector, collectingTracer().tracer);
  const face = [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  if (face === undefined) throw new Error(`${file}: no face found`);
  return { photo, box: face.box };
};
