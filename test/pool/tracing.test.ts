import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import type { ProcessArtefact } from '../../src/jobs/process-artefact.js';
import type { Artefact } from '../../src/store/repositories/artefacts.js';
import type { Store } from '../../src/store/store.js';
import type { TraceWriter } from '../../src/tracing/trace-writer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

let dir: string;
let app: App;
let store: Store;
let writer: TraceWriter;
let pipeline: ProcessArtefact;
let photo: Artefact;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'archaive-tracing-'));
  app = await createApp(loadConfig({ DATA_DIR: dir, WORKERS: '1', LOG_LEVEL: 'silent' }));
  ({ store, traces: writer } = app);
  pipeline = app.jobs.process;
  const file = await store.files.putImage(await readFile(path.join(samples, 'panel-photo.png')));
  photo = store.artefacts.create({ name: 'panel', originalFilename: 'panel-photo.png', fileSha256: file.sha256, kind: 'HF', kindSource: 'UPLOADER', createdBy: null });
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const reportsOf = (traceId: string) => store.traces.reports(traceId, { first: 100 }, {}).page.items;

describe('tracing across workers', () => {
  it("a worker's reports land in SQLite under the artefact's trace with the worker's thread id", async () => {
    const steps: string[] = [];
    const traces = () => store.traces.page({ first: 100 }, { artefactId: photo.id }).page.items.length;
    const before = traces();
    const done = await pipeline.run(photo, { onStep: (s) => steps.push(s) });
    expect(done.result.faces.length).toBe(5);
    expect(steps).toEqual(['faces.decode', 'faces.detect', 'faces.embed', 'faces.headshots', 'ocr', 'store', 'language']);
    const trace = store.traces.byIds([done.traceId])[0];
    expect(trace?.artefactId).toBe(photo.id);
    expect(trace?.outcome).toBe('ok');
    expect(trace?.finishedAt).not.toBeNull();
    const reports = reportsOf(done.traceId);
    const fromWorker = reports.filter((r) => r.source === 'faces.detect');
    expect(fromWorker.length).toBe(1);
    expect(fromWorker[0]?.workerId).toBe(done.result.worker.threadId);
    expect(fromWorker[0]?.workerId).toBeGreaterThan(0);
    expect(fromWorker[0]?.data).toMatchObject({ faces: 5 });
    expect(reports.some((r) => r.source.startsWith('ocr.'))).toBe(true);
    // Identification and the language steps run on the main thread (id 0) under the same trace:
    // one trace per artefact.
    expect(reports.find((r) => r.source === 'faces.identify')?.workerId).toBe(0);
    expect(reports.some((r) => r.message.includes('skipped: no language model configured'))).toBe(true);
    expect(traces()).toBe(before + 1);
    expect(store.artefacts.currentFields([photo.id]).map((f) => f.field).sort()).toEqual(['bannerText', 'description']);
  });

  it('paused tracing still opens and finishes the trace but stores no reports', async () => {
    writer.pause();
    try {
      const done = await pipeline.run(photo);
      expect(store.traces.byIds([done.traceId])[0]?.outcome).toBe('ok');
      expect(reportsOf(done.traceId)).toEqual([]);
    } finally {
      writer.resume();
    }
  });

  it('cancellation stops the task at the next step boundary; the trace records CANCELLED and the pool goes on', async () => {
    const controller = new AbortController();
    const steps: string[] = [];
    const error = await pipeline
      .run(photo, {
        signal: controller.signal,
        onStep: (s) => {
          steps.push(s);
          controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CANCELLED');
    // The running step (decoding) finished; detection never started.
    expect(steps).toEqual(['faces.decode']);
    const trace = store.traces.page({ first: 10 }, { artefactId: photo.id }).page.items.at(-1);
    expect(trace?.outcome).toBe('CANCELLED');
  });
});
