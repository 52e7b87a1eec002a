import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropFaceChip } from '../../src/pipelines/faces/chip.js';
import { FACE_EMBEDDER_MODEL, sharedFaceEmbedder, type FaceEmbedder } from '../../src/pipelines/faces/embed.js';
import { FACE_DETECTOR_MODEL, loadUltraFace, type UltraFace } from '../../src/pipelines/faces/ultraface.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import type { PhotoFace } from '../../workers/artefact-task.js';
import { largestFace } from '../../scripts/lib/identify-fixture.js';
import { SUPERUSER, startServer, type TestServer } from '../support/server.js';

const fixture = (file: string): string => path.resolve(process.cwd(), 'test/fixtures/identify', file);
// What the catalogue held before the embedder upgrade: face-api's 128-d vectors under its name.
const OLD_MODEL = 'face-api-recognition-128';
const oldEmbedding = (seed: number): Float32Array => Float32Array.from({ length: 128 }, (_, i) => Math.sin(seed + i));

let server: TestServer;
let detector: UltraFace;
let embedder: FaceEmbedder;

beforeAll(async () => {
  server = await startServer();
  detector = await loadUltraFace(await server.core.models.path(FACE_DETECTOR_MODEL));
  embedder = await sharedFaceEmbedder(await server.core.models.path(FACE_EMBEDDER_MODEL));
});

afterAll(async () => {
  await server.close();
});

/** The photo's largest face as the pipeline finds and embeds it (detector and embedder on this thread: no worker pool to start). */
const faceIn = async (file: string): Promise<{ image: Buffer; face: PhotoFace }> => {
  const image = await readFile(fixture(file));
  const { photo, box } = await largestFace(fixture(file), detector);
  const [embedding] = await embedder.embed([{ kind: 'rgb', data: await cropFaceChip(photo, box) }], collectingTracer().tracer);
  if (embedding === undefined) throw new Error(`no embedding for ${file}`);
  const face: PhotoFace = { box: { x: box.x, y: box.y, w: box.width, h: box.height }, score: 1, quality: 1, sharpness: 1, embedding, headshotJpeg: new Uint8Array() };
  return { image, face };
};

describe('a catalogue enrolled with another embedder', () => {
  it('is not matched until its faces are embedded again at start, then matches; a face without its photo is dropped, and the trace says so', async () => {
    const { store } = server.core;
    const figures: Record<string, string> = {};
    for (const [i, person] of ['person-01', 'person-02'].entries()) {
      const { image, face } = await faceIn(`train/${person}/sample1.jpg`);
      const source = await store.files.putImage(image);
      const figure = store.figures.create({ label: person, headshotSha256: null, origin: 'SEED' });
      figures[person] = figure.id;
      store.figures.addFace({ artefactId: null, sourceSha256: source.sha256, figureId: figure.id, box: face.box, embedding: oldEmbedding(i), embeddingModel: OLD_MODEL, isExemplar: true, assignment: 'HUMAN' });
    }
    const lost = store.figures.create({ label: 'lost photo', headshotSha256: null, origin: 'SEED' });
    store.figures.addFace({ artefactId: null, sourceSha256: null, figureId: lost.id, box: { x: 0, y: 0, w: 50, h: 50 }, embedding: oldEmbedding(9), embeddingModel: OLD_MODEL, isExemplar: true, assignment: 'HUMAN' });
    const { face: query } = await faceIn('test/person-01-view.jpg');

    // Until they are embedded again: no decision, and why (never a silent "unknown" and a new figure).
    expect(server.core.jobs.faces.decide([query])[0]).toMatchObject({ outcome: 'deferred', reason: 'embedder-upgrade', waitingExemplars: 3 });
    const { tracer, reports } = collectingTracer();
    const [identified] = await server.core.jobs.faces.identifyFaces({ artefactId: null, sourceSha256: null, faces: [query] }, tracer);
    expect(identified).toMatchObject({ reason: 'embedder-upgrade', figureId: null });
    expect(['SUGGESTED', 'UNASSIGNED']).toContain(identified?.assignment);
    expect(reports.find((r) => r.source === 'faces.identify' && r.level === 'warn')?.message).toContain(`3 exemplars of known figures are still being embedded again with ${FACE_EMBEDDER_MODEL}`);

    // The next start embeds them again from the stored photos.
    const dataDir = server.dataDir;
    await server.stop();
    server = await startServer({}, dataDir);
    await server.core.jobs.queue.whenIdle();
    const after = server.core.store.figures;
    expect(after.countEmbeddedOtherwise(FACE_EMBEDDER_MODEL)).toEqual({ faces: 0, exemplars: 0 });
    expect(new Set(after.exemplars(FACE_EMBEDDER_MODEL).map((e) => e.figureId))).toEqual(new Set(Object.values(figures)));
    expect(after.facesOfFigures([lost.id])[0]).toMatchObject({ embedding: null, embeddingModel: null });

    expect(server.core.jobs.faces.decide([query])[0]).toMatchObject({ outcome: 'assigned', figureId: figures['person-01'] });

    // Its progress is a trace anyone signed in can read.
    const token = await server.signIn(SUPERUSER.username, SUPERUSER.password);
    const listed = await server.gql<{ traces: { nodes: { purpose: string; outcome: string | null; reports: { nodes: { level: string; message: string }[] } }[] } }>(
      '{ traces(first: 20) { nodes { purpose outcome reports(first: 100) { nodes { level message } } } } }',
      {},
      token,
    );
    const trace = listed.body.data?.traces.nodes.find((t) => t.purpose === 'faces.reembed');
    expect(trace?.outcome).toBe('ok');
    const messages = trace?.reports.nodes.map((r) => r.message) ?? [];
    expect(messages).toContain(`Embedding 3 faces again with ${FACE_EMBEDDER_MODEL}: their embeddings were made by another model`);
    expect(messages).toContain('3 of 3 faces done');
    expect(trace?.reports.nodes.find((r) => r.level === 'WARN')?.message).toBe('1 face no longer takes part in matching: no photo was stored with them');
  }, 120_000);
});
