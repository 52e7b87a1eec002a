import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelStore } from '../../src/model-store/store.js';
import { artefactModelPaths, loadArtefactEngines, type ArtefactEngines } from '../../src/pipelines/artefact/engines.js';
import { FaceIdentifier } from '../../src/jobs/face-identifier.js';
import { ResultWriter } from '../../src/jobs/results.js';
import { ALL_STEPS } from '../../src/jobs/steps.js';
import { ArtefactFields } from '../../src/services/artefact-fields.js';
import { runArtefactTask, type ArtefactResult } from '../../workers/artefact-task.js';
import { Store } from '../../src/store/store.js';
import { collectingTracer } from '../../src/tracing/tracer.js';

const demo = (n: number): string => path.resolve(process.cwd(), `node_modules/@vladmandic/face-api/demo/sample${n}.jpg`);

// Shared and read-only: the models, and the faces of sample 1 (three people) as the pipeline finds them.
let modelsDir: string;
let models: ArtefactEngines;
let sample1: Buffer;
let sample1Faces: ArtefactResult;
// Each test's own: an empty store.
let dir: string;
let store: Store;
let service: FaceIdentifier;
let results: ResultWriter;

const photoFaces = async (image: Buffer): Promise<ArtefactResult> =>
  runArtefactTask({ image, kind: 'HF', readText: false }, { tracer: collectingTracer().tracer, progress: () => undefined, checkpoint: () => undefined }, models);

const newArtefact = async (image: Buffer, name: string): Promise<string> => {
  const file = await store.files.putImage(image);
  return store.artefacts.create({ name, originalFilename: name, fileSha256: file.sha256, createdBy: null }).id;
};

const figureCount = (): number => store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM figures').get()?.n ?? -1;

/** Sample 1 as a new artefact in the store: its three people become known figures. */
const enrolSample1 = async () => {
  const artefactId = await newArtefact(sample1, 'sample1.jpg');
  return { artefactId, persisted: await results.write(artefactId, sample1Faces, ALL_STEPS, collectingTracer().tracer) };
};

beforeAll(async () => {
  modelsDir = mkdtempSync(path.join(tmpdir(), 'archaive-identify-models-'));
  models = await loadArtefactEngines(await artefactModelPaths(await ModelStore.open({ cacheDir: modelsDir })));
  sample1 = await readFile(demo(1));
  sample1Faces = await photoFaces(sample1);
});

afterAll(() => {
  rmSync(modelsDir, { recursive: true, force: true });
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'archaive-identify-'));
  store = new Store(dir, { maxBytes: 50_000_000, maxPixels: 100_000_000 });
  service = new FaceIdentifier(store);
  results = new ResultWriter(store, new ArtefactFields(store), service);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('identification against the store', () => {
  it('unknown identifiable faces found one new figure each, with a headshot and a factual description', async () => {
    expect(sample1Faces.faces.length).toBe(3);
    const { artefactId, persisted } = await enrolSample1();
    expect(persisted.faces.map((f) => f.assignment)).toEqual(['NEW', 'NEW', 'NEW']);
    const ids = persisted.faces.map((f) => f.figureId);
    expect(new Set(ids).size).toBe(3); // three different people, three figures
    for (const f of persisted.faces) {
      const figure = store.figures.byIds([f.figureId as string])[0];
      expect(figure?.origin).toBe('PIPELINE');
      expect(figure?.label).toBeNull();
      expect(figure?.headshotSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.isExemplar).toBe(true);
    }
    const fields = store.artefacts.currentFields([artefactId]);
    const description = fields.find((f) => f.field === 'description');
    expect(description?.value).toContain('3 people');
    expect(description?.origin).toBe('MACHINE');
    expect(description?.step).toBe('description.factual');
    expect(store.figures.facesOfArtefacts([artefactId]).length).toBe(3);
  });

  it('the same faces again are assigned to the figures the first photo created, without near-copy exemplars', async () => {
    const firstFigures = (await enrolSample1()).persisted.faces.map((f) => f.figureId);
    store.figures.update(firstFigures[0] as string, { label: 'Alice' });
    const again = await newArtefact(sample1, 'sample1-again.jpg');
    const persisted = await results.write(again, sample1Faces, ALL_STEPS, collectingTracer().tracer);
    expect(persisted.faces.map((f) => f.assignment)).toEqual(['AUTO', 'AUTO', 'AUTO']);
    expect(persisted.faces.map((f) => f.figureId)).toEqual(firstFigures);
    expect(persisted.faces.every((f) => !f.isExemplar)).toBe(true);
    expect(store.artefacts.currentFields([again]).find((f) => f.field === 'description')?.value).toContain('Recognised: Alice');
  });

  it('a repeated run on the same artefact replaces its faces and the figures it founded, not adds to them', async () => {
    const image = await readFile(demo(2));
    const result = await photoFaces(image);
    const artefactId = await newArtefact(image, 'sample2.jpg');
    const before = figureCount();
    await results.write(artefactId, result, ALL_STEPS, collectingTracer().tracer);
    const once = { figures: figureCount(), faces: store.figures.facesOfArtefacts([artefactId]).length };
    await results.write(artefactId, result, ALL_STEPS, collectingTracer().tracer);
    expect(store.figures.facesOfArtefacts([artefactId]).length).toBe(once.faces);
    expect(figureCount()).toBe(once.figures);
    expect(once.figures).toBeGreaterThanOrEqual(before);
  });

  it('different people are not matched to the known figures', async () => {
    const firstFigures = (await enrolSample1()).persisted.faces.map((f) => f.figureId);
    const before = figureCount();
    const identified = await service.identifyFaces({ artefactId: null, sourceSha256: null, faces: (await photoFaces(await readFile(demo(3)))).faces }, collectingTracer().tracer);
    expect(identified.length).toBe(3);
    expect(identified.every((f) => f.assignment !== 'AUTO')).toBe(true);
    expect(identified.every((f) => f.figureId === null || !firstFigures.includes(f.figureId))).toBe(true);
    expect(figureCount()).toBe(before + identified.filter((f) => f.assignment === 'NEW').length);
  });

  it('faces under 40 px are never assigned automatically and found no figure, even when they are known people', async () => {
    await enrolSample1();
    const small = await sharp(sample1).resize({ width: 300 }).jpeg({ quality: 95 }).toBuffer();
    const result = await photoFaces(small);
    expect(result.faces.length).toBeGreaterThan(0);
    expect(result.faces.every((f) => Math.max(f.box.w, f.box.h) < 40)).toBe(true);
    const before = figureCount();
    const identified = await service.identifyFaces({ artefactId: null, sourceSha256: null, faces: result.faces }, collectingTracer().tracer);
    expect(identified.every((f) => f.assignment === 'SUGGESTED' || f.assignment === 'UNASSIGNED')).toBe(true);
    expect(identified.every((f) => f.figureId === null)).toBe(true);
    expect(figureCount()).toBe(before);
    // A suggestion for a tiny face points at one of the people it could be, for a person to confirm.
    for (const f of identified.filter((x) => x.assignment === 'SUGGESTED')) expect(f.reason).toBe('too-small');
  });
});
