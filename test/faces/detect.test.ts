import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { ModelStore } from '../../src/model-store/store.js';
import { detectFaces, type FaceDetection } from '../../src/pipelines/faces/detect.js';
import { readBoxesFile, scoreDetections } from '../../src/pipelines/faces/evaluate.js';
import { decodeRgb, type RgbPixels } from '../../src/pipelines/faces/image.js';
import { FACE_DETECTOR_MODEL, loadUltraFace, type UltraFace } from '../../src/pipelines/faces/ultraface.js';
import { collectingTracer, type TraceReport } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

const fixtures = path.resolve(process.cwd(), 'test/fixtures/faces');
/** The IoU a detection needs with a hand-made box (docs/faces-detection.md). */
const IOU = 0.4;

let detector: UltraFace;

beforeAll(async () => {
  const store = await ModelStore.open({ cacheDir: path.join(process.cwd(), 'data', 'models') });
  detector = await loadUltraFace(await store.path(FACE_DETECTOR_MODEL));
});

const detectIn = async (photo: RgbPixels): Promise<{ detection: FaceDetection; reports: TraceReport[] }> => {
  const { tracer, reports } = collectingTracer();
  return { detection: await detectFaces(photo, detector, tracer), reports };
};

describe.each([
  { name: 'panel-photo', faces: 5 },
  { name: 'group-photo', faces: 52 },
])('face detection on $name', ({ name, faces }) => {
  let photo: RgbPixels;
  let detection: FaceDetection;
  let reports: TraceReport[];

  beforeAll(async () => {
    photo = await decodeRgb(await readFile(path.join(samples, `${name}.png`)));
    ({ detection, reports } = await detectIn(photo));
  });

  it('finds the hand-made faces with recall and precision of at least 0.95', async () => {
    const truth = await readBoxesFile(path.join(fixtures, `${name}.boxes.json`));
    expect(truth.boxes.filter((b) => !b.difficult)).toHaveLength(faces);
    const score = scoreDetections(detection.faces, truth.boxes, IOU);
    expect(score.recall).toBeGreaterThanOrEqual(0.95);
    expect(score.precision).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(detection.faces.length - faces)).toBeLessThanOrEqual(Math.ceil(faces * 0.06));
  });

  it('gives every face a box inside the photo, a score and a quality', () => {
    for (const face of detection.faces) {
      expect(face.box.x).toBeGreaterThanOrEqual(0);
      expect(face.box.y).toBeGreaterThanOrEqual(0);
      expect(face.box.x + face.box.width).toBeLessThanOrEqual(photo.width);
      expect(face.box.y + face.box.height).toBeLessThanOrEqual(photo.height);
      expect(face.score).toBeGreaterThanOrEqual(0.75);
      expect(face.quality).toBeGreaterThan(0);
      expect(face.quality).toBeLessThanOrEqual(1);
      expect(face.sharpness).toBeGreaterThan(0);
    }
    const qualities = detection.faces.map((f) => f.quality);
    expect(qualities).toEqual([...qualities].sort((a, b) => b - a));
  });

  it('reports each step to the tracer with its numbers', () => {
    const merge = reports.find((r) => r.source === 'faces.detect.merge');
    expect(merge?.data).toMatchObject({ tilesRun: detection.tilesRun, rawBoxes: detection.rawBoxes });
    expect(detection.tilesRun).toBeGreaterThan(1);
    expect(detection.rawBoxes).toBeGreaterThanOrEqual(detection.faces.length);
    const levels = reports.filter((r) => r.source === 'faces.detect.level');
    expect(levels.length).toBeGreaterThan(1);
    expect(levels.reduce((n, r) => n + Number(r.data?.tiles), 0)).toBe(detection.tilesRun);
    const secondLook = reports.find((r) => r.source === 'faces.detect.second-look');
    expect(secondLook?.data).toMatchObject({ boxes: merge?.data?.kept, confirmed: detection.faces.length });
    expect(Number(secondLook?.data?.dropped)).toBe(Number(merge?.data?.kept) - detection.faces.length);
    const whole = reports.find((r) => r.source === 'faces.detect');
    expect(whole?.durationMs).toBeGreaterThan(0);
    expect(whole?.data).toMatchObject({ faces: detection.faces.length });
  });
});

describe('face detection on the evaluation set (test/fixtures/faces/SOURCES.md)', () => {
  let scores: { file: string; score: ReturnType<typeof scoreDetections> }[];

  beforeAll(async () => {
    const files = (await readdir(fixtures)).filter((f) => f.endsWith('.boxes.json')).sort();
    scores = [];
    for (const file of files) {
      const truth = await readBoxesFile(path.join(fixtures, file));
      const { detection } = await detectIn(await decodeRgb(await readFile(truth.image)));
      scores.push({ file, score: scoreDetections(detection.faces, truth.boxes, IOU) });
    }
  });

  it('finds at least 95% of the faces and reports no false face on any photo (a cat, a suit shoulder)', () => {
    expect(scores.length).toBeGreaterThanOrEqual(13);
    const faces = scores.reduce((n, s) => n + s.score.faces, 0);
    const found = scores.reduce((n, s) => n + s.score.truePositives, 0);
    expect(found / faces).toBeGreaterThanOrEqual(0.95);
    expect(scores.filter((s) => s.score.falsePositives > 0).map((s) => s.file)).toEqual([]);
  });
});

describe('face detection on images without faces', () => {
  it('finds no face in a blank photo', async () => {
    const blank = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#f0eee8' } }).png().toBuffer();
    const { detection } = await detectIn(await decodeRgb(blank));
    expect(detection.faces).toEqual([]);
    expect(detection.tilesRun).toBeGreaterThan(1);
  });

  it('handles a 20×20 image: no face, no crash', async () => {
    const tiny = await sharp(path.join(samples, 'group-photo.png')).resize(20, 20).png().toBuffer();
    const photo = await decodeRgb(tiny);
    expect(photo).toMatchObject({ width: 20, height: 20 });
    const { detection } = await detectIn(photo);
    expect(detection.faces).toEqual([]);
    expect(detection.tilesRun).toBe(1);
  });

  it.each([
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))],
    ['a truncated PNG', async () => (await readFile(path.join(samples, 'panel-photo.png'))).subarray(0, 20_000)],
    ['an empty file', Buffer.alloc(0)],
  ])('refuses %s with INVALID_IMAGE', async (_, input) => {
    const bytes = typeof input === 'function' ? await input() : input;
    const error: unknown = await decodeRgb(bytes).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe('INVALID_IMAGE');
  });
});
