import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/batches.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) {
  createBatch(name: $name, files: $files, kind: $kind) { batch { id } } }`;

interface Entry {
  name: string;
  batchEntry: { status: string; errorCode: string | null };
  faces: { id: string }[];
  description: { versions: { totalCount: number } } | null;
  traces: { totalCount: number; nodes: { outcome: string | null; reports: { nodes: { source: string; data: { worker?: string } | null }[] } }[] };
}

const STATE = `query($id: ID!) { node(id: $id) { ... on Batch { stage artefacts(first: 20) { nodes {
  name batchEntry { status errorCode } faces { id }
  traces(first: 5) { totalCount nodes { outcome reports(first: 100) { nodes { source data } } } }
} } } } }`;

/** The same panel photo under `count` names: each is an artefact of its own, with its 5 faces. */
const photos = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `panel-${i + 1}.png`, data: readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')) }));

// Real models in worker processes on a shared 2-core machine: generous limits, no speed assertions.
describe('remote workers over Redis', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let s: TestServer;
  let admin: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // A lost worker's job goes to another after 2 s instead of 30.
    const env = { REDIS_URL: redis.url, WORKER_LOCK_SECONDS: '2' };
    workers.push(...(await Promise.all([startWorkerProcess(redis.url, env), startWorkerProcess(redis.url, env)])));
    s = await startServer({ ...env, WORKERS: '4' });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await redis?.stop();
  });

  const batch = async (name: string, count: number): Promise<string> => {
    const r = await uploadFiles(s.url, admin, CREATE, { name, kind: 'HF' }, photos(count));
    const id = (r.body.data as { createBatch: { batch: { id: string } } } | null)?.createBatch.batch.id;
    if (!id) throw new Error(JSON.stringify(r.body));
    expect((await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: id }, admin)).body.errors).toBeUndefined();
    return id;
  };
  const state = async (id: string) => (await s.gql<{ node: { stage: string; artefacts: { nodes: Entry[] } } }>(STATE, { id }, admin)).body.data?.node;
  const workersOf = (e: Entry) => e.traces.nodes.flatMap((t) => t.reports.nodes.filter((r) => r.source === 'worker.remote').map((r) => r.data?.worker));

  it('two worker processes share a batch; results come back and are written by the API', async () => {
    const id = await batch('Shared', 3);
    await until(async () => (await state(id))?.stage === 'VETTING');
    const entries = (await state(id))?.artefacts.nodes ?? [];
    expect(entries).toHaveLength(3);
    for (const e of entries) {
      expect(e.batchEntry).toEqual({ status: 'PROCESSED', errorCode: null });
      expect(e.faces).toHaveLength(5);
      expect(e.traces.totalCount).toBe(1);
      expect(e.traces.nodes[0]?.outcome).toBe('ok');
      // The worker's own reports came back into the artefact's trace.
      expect(e.traces.nodes[0]?.reports.nodes.some((r) => r.source === 'faces.detect')).toBe(true);
    }
    expect(new Set(entries.flatMap(workersOf)).size).toBe(2);
  });

  it('cancels: waiting jobs are withdrawn, running ones stop between steps; a resume finishes without redoing what finished', async () => {
    const id = await batch('Cancel', 3);
    await until(async () => ((await state(id))?.artefacts.nodes ?? []).some((e) => e.batchEntry.status === 'PROCESSED'));
    const cancelled = await s.gql<{ cancelBatch: { stage: string } }>('mutation($b: ID!) { cancelBatch(batchId: $b) { stage } }', { b: id }, admin);
    expect(cancelled.body.data?.cancelBatch.stage).toBe('CANCELLED');
    await until(async () => ((await state(id))?.artefacts.nodes ?? []).every((e) => e.batchEntry.status !== 'PROCESSING'), 60_000);
    const mid = (await state(id))?.artefacts.nodes ?? [];
    const finished = mid.filter((e) => e.batchEntry.status === 'PROCESSED');
    expect(finished.length).toBeLessThan(3);
    expect(mid.filter((e) => e.batchEntry.status === 'UNPROCESSED')).toHaveLength(3 - finished.length);

    expect((await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: id }, admin)).body.errors).toBeUndefined();
    await until(async () => (await state(id))?.stage === 'VETTING');
    const end = (await state(id))?.artefacts.nodes ?? [];
    for (const e of end) {
      expect(e.batchEntry).toEqual({ status: 'PROCESSED', errorCode: null });
      expect(e.faces).toHaveLength(5);
    }
    // Finished before the cancel: not run again.
    for (const f of finished) expect(end.find((e) => e.name === f.name)?.traces.totalCount).toBe(1);
  });

  it('a worker killed mid-batch loses nothing: its job is redone by the other, and applied once', async () => {
    const id = await batch('Crash', 3);
    // Both workers are inside a job once two artefacts are past the queue.
    await until(async () => ((await state(id))?.artefacts.nodes ?? []).filter((e) => e.traces.nodes[0]?.reports.nodes.some((r) => r.source === 'worker.remote')).length >= 2, 60_000);
    await workers.shift()?.crash();
    await until(async () => (await state(id))?.stage === 'VETTING');
    const entries = (await state(id))?.artefacts.nodes ?? [];
    for (const e of entries) {
      expect(e.batchEntry).toEqual({ status: 'PROCESSED', errorCode: null });
      // Written once: the 5 faces, not 10.
      expect(e.faces).toHaveLength(5);
      expect(e.traces.totalCount).toBe(1);
    }
    // The job the killed worker held was taken again by the one left.
    expect(entries.some((e) => workersOf(e).length === 2)).toBe(true);
  });
});
