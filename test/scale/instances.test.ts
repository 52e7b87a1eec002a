import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/batches.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) {
  createBatch(name: $name, files: $files, kind: $kind) { batch { id } } }`;

interface Progress {
  seq: number;
  stage: string;
  step: string | null;
  done: number;
  total: number;
}

// Two API instances over one database and one Redis: the primary runs the queue, the secondary
// serves. Real models in a worker process on a shared 2-core machine: generous limits.
describe('several API instances over Redis', { timeout: 240_000 }, () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  let primary: TestServer;
  let secondary: TestServer;
  let token: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    worker = await startWorkerProcess(redis.url);
    primary = await startServer({ REDIS_URL: redis.url });
    secondary = await startServer({ REDIS_URL: redis.url, API_ROLE: 'secondary' }, primary.dataDir);
    // One session, valid on both: they share the database.
    token = await primary.signIn(SUPERUSER.username, SUPERUSER.password);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await secondary?.stop();
    await primary?.close();
    await worker?.stop();
    await redis?.stop();
  });

  /** Subscribes on `s` to the batch's progress; resolves with every event once the batch reaches vetting. */
  const watch = (s: TestServer, batchId: string): Promise<Progress[]> => {
    const client = createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
    clients.push(client);
    const events: Progress[] = [];
    return new Promise((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($b: ID!) { batchProgress(batchId: $b) { seq stage step done total } }', variables: { b: batchId } },
        {
          next: (v) => {
            const e = (v.data as { batchProgress: Progress }).batchProgress;
            events.push(e);
            if (e.stage === 'VETTING') resolve(events);
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
  };

  /** A batch of `count` copies of the panel photo, not started. */
  const create = async (s: TestServer, name: string, count = 1): Promise<string> => {
    const files = Array.from({ length: count }, (_, i) => ({ name: `${name}-${i + 1}.png`, data: readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')) }));
    const r = await uploadFiles(s.url, token, CREATE, { name, kind: 'HF' }, files);
    const id = (r.body.data as { createBatch: { batch: { id: string } } } | null)?.createBatch.batch.id;
    if (!id) throw new Error(JSON.stringify(r.body));
    return id;
  };
  const start = async (s: TestServer, batchId: string) =>
    expect((await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: batchId }, token)).body.errors).toBeUndefined();
  // The subscription is registered once its snapshot arrived; give it that moment.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  it('a subscriber on the secondary sees every step of a batch started through the primary', async () => {
    const batchId = await create(primary, 'through-primary');
    const seen = watch(secondary, batchId);
    await settle();
    await start(primary, batchId);
    const events = await seen;
    // Steps from the remote worker, relayed by the primary, heard on the secondary.
    expect(events.some((e) => e.step === 'faces.detect')).toBe(true);
    expect(events.at(-1)).toMatchObject({ stage: 'VETTING', done: 1, total: 1 });
  });

  it('work queued through the secondary is run by the primary, and a subscriber there sees it', async () => {
    const batchId = await create(secondary, 'through-secondary');
    const seen = watch(primary, batchId);
    await settle();
    await start(secondary, batchId);
    expect((await seen).at(-1)).toMatchObject({ stage: 'VETTING', done: 1, total: 1 });
  });

  it('a write on one instance drops the cached reads of every instance', async () => {
    const q = '{ categories(first: 50) { nodes { name } } }';
    const names = async () => (await secondary.gql<{ categories: { nodes: { name: string }[] } }>(q, {}, token)).body.data?.categories.nodes.map((n) => n.name);
    // Read twice: the second answer comes from the secondary's cache.
    await names();
    expect(await names()).not.toContain('Made on the primary');
    const created = await primary.gql('mutation { createCategory(input: { name: "Made on the primary" }) { name } }', {}, token);
    expect(created.body.errors).toBeUndefined();
    // The invalidation travels through Redis: give it the moment it takes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await names()).toContain('Made on the primary');
  });

  it('takes batches in turn through the remote worker, as in one process: a batch started later does not wait for an earlier one to finish', async () => {
    // The primary has one artefact in flight (WORKERS=1), the worker one thread.
    const first = await create(primary, 'fair-first', 3);
    const later = await create(primary, 'fair-later');
    const stage = async (b: string) => (await primary.gql<{ node: { stage: string } }>('query($b: ID!) { node(id: $b) { ... on Batch { stage } } }', { b }, token)).body.data?.node.stage;
    await start(primary, first);
    await start(primary, later);
    await until(async () => (await stage(later)) === 'VETTING');
    expect(await stage(first)).toBe('PROCESSING');
    await until(async () => (await stage(first)) === 'VETTING');
  });

  it('signing out on the primary closes the session\'s sockets on the secondary (4401)', async () => {
    const session = await primary.signIn(SUPERUSER.username, SUPERUSER.password);
    const closed = new Promise<{ code: number }>((resolve) => {
      const client = createClient({
        url: `${secondary.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { token: session },
        retryAttempts: 0,
        on: { closed: (event) => resolve(event as { code: number }) },
      });
      clients.push(client);
      client.subscribe({ query: 'subscription { catalogueChanged { entity } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    await settle();
    expect((await primary.gql('mutation { signOut }', {}, session)).body.errors).toBeUndefined();
    const late = new Promise<{ code: null }>((resolve) => setTimeout(() => resolve({ code: null }), 10_000));
    expect(await Promise.race([closed, late])).toMatchObject({ code: 4401 });
  });

  it('Redis lost and restarted empty mid-batch: the instances answer meanwhile, the lost job is queued again, events are shared again', async () => {
    const inFlight = await create(primary, 'across-redis-restart');
    await start(primary, inFlight);
    const entry = async () =>
      (await primary.gql<{ node: { stage: string; artefacts: { nodes: { batchEntry: { status: string; step: string | null } }[] } } }>(
        'query($b: ID!) { node(id: $b) { ... on Batch { stage artefacts(first: 1) { nodes { batchEntry { status step } } } } } }',
        { b: inFlight },
        token,
      )).body.data?.node;
    // On the worker: a step it reported.
    await until(async () => !['queued', null].includes((await entry())?.artefacts.nodes[0]?.batchEntry.step ?? null), 60_000);
    await redis.stop();
    // Long enough for the connections to notice and report the error.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const s of [primary, secondary]) expect((await s.gql('{ categories(first: 1) { totalCount } }', {}, token)).body.errors).toBeUndefined();
    redis = await startRedis(redis.port);
    await until(async () => (await entry())?.stage === 'VETTING');
    expect((await entry())?.artefacts.nodes[0]?.batchEntry).toEqual({ status: 'PROCESSED', step: 'done' });

    const batchId = await create(primary, 'after-redis-returned');
    // ioredis reconnects with a backoff; the subscription is registered once it has.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const seen = watch(secondary, batchId);
    await settle();
    await start(primary, batchId);
    expect((await seen).at(-1)).toMatchObject({ stage: 'VETTING', done: 1, total: 1 });
  });
});
