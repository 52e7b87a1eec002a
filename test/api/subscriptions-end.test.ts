import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const PROGRESS = 'subscription($id: ID!) { batchProgress(batchId: $id) { seq stage status step } }';
type Progress = { seq: number; stage: string; status: string | null; step: string | null };

let s: TestServer;
let token: string;
let client: Client;

beforeAll(async () => {
  s = await startServer();
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  client = createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
}, 60_000);
afterAll(async () => {
  await client.dispose();
  await s.close();
});

/** Every event of a subscription until it completes (or the deadline passes, which fails). */
function collect(query: string, variables: Record<string, unknown>, timeoutMs: number): Promise<{ events: Progress[]; completed: boolean }> {
  return new Promise((resolve, reject) => {
    const events: Progress[] = [];
    const stop = client.subscribe<{ batchProgress: Progress }>(
      { query, variables },
      {
        next: (v) => {
          if (v.data) events.push(v.data.batchProgress);
        },
        error: reject,
        complete: () => {
          clearTimeout(timer);
          resolve({ events, completed: true });
        },
      },
    );
    const timer = setTimeout(() => {
      stop();
      resolve({ events, completed: false });
    }, timeoutMs);
  });
}

describe('subscriptions that end', () => {
  it('completes batchProgress once the batch has been processed to vetting', async () => {
    const { batchId } = await batchOf(s, token, 'to vetting', readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')), 'HF');
    const watched = collect(PROGRESS, { id: batchId }, 120_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await s.gql('mutation($id: ID!) { startBatch(batchId: $id) { stage } }', { id: batchId }, token);
    const { events, completed } = await watched;
    expect({ completed, last: events.at(-1) }).toMatchObject({ completed: true, last: { stage: 'VETTING' } });
    expect(events[0]?.stage).toBe('UPLOAD_PENDING');
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
  }, 150_000);

  it('keeps a batch that is already vetted open after its snapshot, for reprocessing to come', async () => {
    const { batchId } = await batchOf(s, token, 'vetted', readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')), 'HF');
    await s.gql('mutation($id: ID!) { startBatch(batchId: $id) { stage } }', { id: batchId }, token);
    await s.core.jobs.queue.whenIdle();
    const { events, completed } = await collect(PROGRESS, { id: batchId }, 1_000);
    expect(completed).toBe(false);
    expect(events).toEqual([expect.objectContaining({ stage: 'VETTING' })]);
  }, 150_000);

  it('refuses a subscription over HTTP with 400 and says where subscriptions are served', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const r = await s.gql('subscription { catalogueChanged { id } }', {}, token, { accept });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.message).toMatch(/^Subscriptions are served over WebSocket only/);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    // A document with a query and a subscription runs the query asked for.
    const named = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query Me { me { username } } subscription Live { catalogueChanged { id } }', operationName: 'Me' }),
    });
    expect(await named.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });
  });
});
