import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobalId } from '../../resolvers/ids.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { codeOf, startServer, type TestServer } from '../support/server.js';
import { batchOf, until } from '../support/batches.js';
const START = 'mutation($id: ID!) { startBatch(batchId: $id) { stage } }';
const CANCEL = 'mutation($id: ID!) { cancelBatch(batchId: $id) { stage } }';
const REPROCESS = 'mutation($ids: [ID!]!, $steps: [ProcessingStep!]) { reprocessArtefacts(artefactIds: $ids, steps: $steps) { status } }';
const ENTRY = 'query($id: ID!) { node(id: $id) { ... on Artefact { batchEntry { status step errorCode reprocessSteps } traces(first: 20) { nodes { outcome } } } } }';

interface Entry {
  status: string;
  step: string | null;
  errorCode: string | null;
  reprocessSteps: string[];
}

/** The minutes page alone: the fastest real artefact, so the queue's behaviour is what is measured. */
describe('reprocessing through the durable queue', { timeout: 240_000 }, () => {
  let s: TestServer;
  let token: string;
  let viewer: string;

  beforeAll(async () => {
    s = await startServer();
    token = (await s.userWithRole('ARCHIVIST', 'rerunner')).token;
    viewer = (await s.userWithRole('VIEWER', 'onlooker')).token;
  });
  afterAll(() => s.close());

  const page = () => batchOf(s, token, 'page.jpg', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM');
  const state = async (artefactId: string) =>
    (await s.gql<{ node: { batchEntry: Entry; traces: { nodes: { outcome: string | null }[] } } }>(ENTRY, { id: artefactId }, token)).body.data?.node as {
      batchEntry: Entry;
      traces: { nodes: { outcome: string | null }[] };
    };
  const processed = async (): Promise<{ batchId: string; artefactId: string }> => {
    const p = await page();
    await s.gql(START, { id: p.batchId }, token);
    await until(async () => (await state(p.artefactId)).batchEntry.status === 'PROCESSED');
    return p;
  };

  it('is for archivists, names real artefacts, and waits until the batch is no longer processing', async () => {
    const { batchId, artefactId } = await page();
    expect(codeOf(await s.gql(REPROCESS, { ids: [artefactId] }, viewer))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql(REPROCESS, { ids: [artefactId] }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await s.gql(REPROCESS, { ids: [] }, token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await s.gql(REPROCESS, { ids: ['QXJ0ZWZhY3Q6bm8tc3VjaC1vbmU'] }, token))).toBe('NOT_FOUND');
    // Not started yet: it will be processed anyway.
    expect(codeOf(await s.gql(REPROCESS, { ids: [artefactId] }, token))).toBe('CONFLICT');
    await s.gql(START, { id: batchId }, token);
    await until(async () => (await state(artefactId)).batchEntry.status === 'PROCESSED');
    expect((await s.gql(REPROCESS, { ids: [artefactId], steps: ['TEXT'] }, token)).body.errors).toBeUndefined();
  });

  it('runs the steps asked for under one new trace, with progress on the batch’s subscription', async () => {
    const { batchId, artefactId } = await processed();
    const tracesBefore = (await state(artefactId)).traces.nodes.length;
    const client = createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
    const steps: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.subscribe<{ batchProgress: { step: string | null; status: string | null } }>(
        { query: 'subscription($id: ID!) { batchProgress(batchId: $id) { step status } }', variables: { id: batchId } },
        {
          next: (v) => {
            const step = v.data?.batchProgress.step;
            if (step) steps.push(step);
            if (step === 'done' && steps.includes('reprocessing')) resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await s.gql(REPROCESS, { ids: [artefactId], steps: ['TEXT'] }, token);
    await done;
    await client.dispose();
    expect(steps).toContain('ocr');
    expect(steps).not.toContain('classify'); // not asked for: the kind stands
    const after = await state(artefactId);
    expect(after.batchEntry).toMatchObject({ status: 'PROCESSED', step: 'done', reprocessSteps: [] });
    expect(after.traces.nodes).toHaveLength(tracesBefore + 1);
  });

  it('turns a failed artefact into a processed one when the rerun succeeds', async () => {
    const { artefactId } = await processed();
    const local = parseGlobalId(artefactId)?.id as string;
    s.core.store.batches.updateEntry(local, { status: 'FAILED', errorCode: 'INTERNAL', errorMessage: 'an earlier model crashed' });
    await s.gql(REPROCESS, { ids: [artefactId] }, token);
    await until(async () => (await state(artefactId)).batchEntry.step === 'done');
    expect((await state(artefactId)).batchEntry).toMatchObject({ status: 'PROCESSED', errorCode: null });
  });

  it('holds integration back while the batch’s artefacts are being reprocessed', async () => {
    const { batchId, artefactId } = await processed();
    await s.gql('mutation($b: ID!, $a: ID!) { confirmBatchArtefact(batchId: $b, artefactId: $a) { id } }', { b: batchId, a: artefactId }, token);
    await s.gql(REPROCESS, { ids: [artefactId], steps: ['TEXT'] }, token);
    expect(codeOf(await s.gql('mutation($id: ID!) { startIntegration(batchId: $id) { stage } }', { id: batchId }, token))).toBe('CONFLICT');
    await until(async () => (await state(artefactId)).batchEntry.step === 'done');
    expect((await state(artefactId)).batchEntry.status).toBe('CONFIRMED');
  });

  it('cancelBatch drops reprocessing that has not finished; a shutdown keeps it for the next boot', async () => {
    const { batchId, artefactId } = await processed();
    await s.gql(REPROCESS, { ids: [artefactId] }, token);
    expect((await s.gql<{ cancelBatch: { stage: string } }>(CANCEL, { id: batchId }, token)).body.data?.cancelBatch.stage).toBe('VETTING');
    await s.core.jobs.queue.whenIdle();
    expect((await state(artefactId)).batchEntry).toMatchObject({ status: 'PROCESSED', reprocessSteps: [] });

    await s.gql(REPROCESS, { ids: [artefactId], steps: ['TEXT', 'LANGUAGE'] }, token);
    await s.stop(); // the running artefact stops at its next step and stays queued
    const local = parseGlobalId(artefactId)?.id as string;
    s = await startServer({}, s.dataDir);
    await s.core.jobs.queue.whenIdle();
    const entry = s.core.store.batches.entriesOf([local])[0];
    expect(entry).toMatchObject({ status: 'PROCESSED', step: 'done', reprocessSteps: null });
    const outcomes = s.core.store.traces.page({ first: 20 }, { artefactId: local }).page.items.map((t) => t.outcome);
    expect(outcomes.at(-1)).toBe('ok');
    expect(outcomes).toContain('CANCELLED');
  });
});
