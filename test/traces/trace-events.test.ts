import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, until } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

interface Event {
  seq: number;
  kind: 'TRACE_STARTED' | 'REPORT' | 'TRACE_FINISHED' | 'SNAPSHOT';
  replayed: boolean;
  trace: { id: string; purpose: string; outcome: string | null; artefact: { id: string } | null } | null;
  report: { source: string; message: string; level: string; workerId: number; durationMs: number | null; data: unknown } | null;
}

const TRACE_EVENTS = `subscription($b: ID, $a: ID, $l: TraceLevel, $after: Int) {
  traceEvents(batchId: $b, artefactId: $a, level: $l, afterSeq: $after) {
    seq kind replayed batch { id }
    trace { id purpose outcome artefact { id } }
    report { source message level workerId durationMs data }
  }
}`;

const PROGRESS = 'subscription($b: ID!) { batchProgress(batchId: $b) { seq step } }';

const connect = (s: TestServer, token: string): Client =>
  createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });

/** A running subscription: what it received so far (with when), and how it ended. */
function follow<T>(client: Client, query: string, variables: Record<string, unknown>, field: string) {
  const received: { value: T; at: number }[] = [];
  let failure: unknown;
  const stop = client.subscribe(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) failure = v.errors;
        else received.push({ value: (v.data as Record<string, T>)[field] as T, at: performance.now() });
      },
      error: (e) => (failure = e),
      complete: () => undefined,
    },
  );
  return { received, stop, failure: () => failure };
}

/** Everything a subscription sends up to and including its SNAPSHOT event. */
async function snapshotOf(client: Client, variables: Record<string, unknown>): Promise<Event[]> {
  const sub = follow<Event>(client, TRACE_EVENTS, variables, 'traceEvents');
  await until(async () => sub.failure() !== undefined || sub.received.some((r) => r.value.kind === 'SNAPSHOT'), 20_000);
  sub.stop();
  if (sub.failure() !== undefined) throw new Error(JSON.stringify(sub.failure()));
  return sub.received.map((r) => r.value);
}

const firstError = async (client: Client, variables: Record<string, unknown>): Promise<string | undefined> => {
  const sub = follow<Event>(client, TRACE_EVENTS, variables, 'traceEvents');
  await until(async () => sub.failure() !== undefined || sub.received.length > 0, 20_000);
  sub.stop();
  const errors = sub.failure() as { extensions?: { code?: string } }[] | undefined;
  return errors?.[0]?.extensions?.code;
};

describe('traceEvents subscription', () => {
  let s: TestServer;
  let admin: string;
  let viewer: string;
  let batchId: string;
  let artefactId: string;
  let adminClient: Client;
  let viewerClient: Client;
  /** Everything the viewer's live subscription got while the batch was processed. */
  let live: Event[];
  let liveAt: number[];
  let progress: { value: { seq: number; step: string | null }; at: number }[];

  beforeAll(async () => {
    s = await startServer();
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    viewer = (await s.userWithRole('VIEWER', 'reader')).token;
    ({ batchId, artefactId } = await batchOf(s, admin, 'minutes', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM'));
    adminClient = connect(s, admin);
    viewerClient = connect(s, viewer);
    // Subscribed before the batch starts: everything arrives live.
    const sub = follow<Event>(viewerClient, TRACE_EVENTS, { b: batchId }, 'traceEvents');
    const prog = follow<{ seq: number; step: string | null }>(adminClient, PROGRESS, { b: batchId }, 'batchProgress');
    await until(async () => sub.received.length > 0 && prog.received.length > 0, 20_000);
    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: batchId }, admin);
    await until(async () => sub.received.some((r) => r.value.kind === 'TRACE_FINISHED'), 180_000);
    await until(async () => prog.received.some((r) => r.value.step === 'store'));
    sub.stop();
    prog.stop();
    live = sub.received.map((r) => r.value);
    liveAt = sub.received.map((r) => r.at);
    progress = prog.received;
  }, 240_000);

  afterAll(async () => {
    await adminClient?.dispose();
    await viewerClient?.dispose();
    await s?.close();
  });

  it('opens with an empty snapshot, then streams the run: started, every report, finished, numbered 1, 2, 3, … without gaps', () => {
    expect(live[0]).toMatchObject({ kind: 'SNAPSHOT', seq: 0, replayed: true, trace: null });
    const events = live.slice(1);
    expect(events.every((e) => !e.replayed)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ kind: 'TRACE_STARTED', trace: { purpose: 'artefact.process', outcome: null, artefact: { id: artefactId } } });
    expect(events.at(-1)).toMatchObject({ kind: 'TRACE_FINISHED', trace: { outcome: 'ok' } });
    const reports = events.filter((e) => e.kind === 'REPORT').map((e) => e.report);
    expect(reports.length).toBe(events.length - 2);
    // Steps of the worker thread (OCR) and of the main thread (storing) alike, with their details.
    expect(reports.some((r) => r !== null && r.workerId !== 0 && r.source.startsWith('ocr'))).toBe(true);
    expect(reports.some((r) => r !== null && r.workerId === 0)).toBe(true);
    expect(reports.some((r) => r !== null && r.durationMs !== null && r.data !== null)).toBe(true);
  });

  it('gets the worker thread’s reports while the artefact is still in the worker, not with its result', () => {
    const stored = progress.find((p) => p.value.step === 'store');
    const firstWorkerReport = live.findIndex((e) => e.report !== null && e.report.workerId !== 0);
    expect(stored).toBeDefined();
    expect(firstWorkerReport).toBeGreaterThan(0);
    expect(liveAt[firstWorkerReport]).toBeLessThan(stored?.at ?? 0);
  });

  it('replays the stored events with their numbers to a later subscriber, then SNAPSHOT with the last number, which it does not take', async () => {
    const first = await snapshotOf(viewerClient, { b: batchId });
    const second = await snapshotOf(viewerClient, { b: batchId });
    const last = live.at(-1)?.seq;
    expect(first.map((e) => [e.seq, e.kind])).toEqual([...live.slice(1).map((e) => [e.seq, e.kind]), [last, 'SNAPSHOT']]);
    expect(first.every((e) => e.replayed)).toBe(true);
    expect(second.map((e) => e.seq)).toEqual(first.map((e) => e.seq));
  });

  it('resumes after afterSeq, filters by level and by artefact', async () => {
    const last = live.at(-1)?.seq ?? 0;
    expect((await snapshotOf(viewerClient, { b: batchId, after: last - 2 })).map((e) => e.seq)).toEqual([last - 1, last, last]);
    const warnings = await snapshotOf(viewerClient, { b: batchId, l: 'WARN' });
    expect(warnings.every((e) => e.report === null || ['WARN', 'ERROR'].includes(e.report.level))).toBe(true);
    expect(warnings.filter((e) => e.kind !== 'REPORT').length).toBe(3);
    const ofArtefact = await snapshotOf(viewerClient, { a: artefactId });
    expect(ofArtefact.map((e) => e.seq)).toEqual([...live.slice(1).map((e) => e.seq), last]);
  });

  it('takes a batch, an artefact or both, like the traces query: any signed-in user, and names a wrong argument', async () => {
    expect(await firstError(viewerClient, {})).toBe('BAD_USER_INPUT');
    expect(await firstError(viewerClient, { b: artefactId })).toBe('BAD_USER_INPUT');
    expect(await firstError(viewerClient, { b: batchId, after: -1 })).toBe('BAD_USER_INPUT');
    const other = await batchOf(s, admin, 'other', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM');
    expect(await firstError(viewerClient, { b: other.batchId, a: artefactId })).toBe('BAD_USER_INPUT');
    // The traces query answers the same people.
    expect(codeOf(await s.gql('query($b: ID) { traces(batchId: $b) { totalCount } }', { b: batchId }))).toBe('UNAUTHENTICATED');
    expect((await s.gql<{ traces: { totalCount: number } }>('query($b: ID) { traces(batchId: $b) { totalCount } }', { b: batchId }, viewer)).body.data?.traces.totalCount).toBe(1);
  });

  it('shows what a language-model provider said about a failure to the superuser only, as the traces query does', async () => {
    const local = Buffer.from(batchId, 'base64url').toString().split(':')[1] as string;
    const subs = [follow<Event>(adminClient, TRACE_EVENTS, { b: batchId, l: 'ERROR' }, 'traceEvents'), follow<Event>(viewerClient, TRACE_EVENTS, { b: batchId, l: 'ERROR' }, 'traceEvents')];
    await until(async () => subs.every((sub) => sub.received.length > 0), 20_000);
    s.core.traces.run({ purpose: 'test.failure', batchId: local }, async (tracer) =>
      tracer.report({ source: 'llm.summary', level: 'error', message: 'summary failed', data: { reason: 'HTTP 401', providerDetail: 'invalid key sk-…' } }),
    );
    await until(async () => subs.every((sub) => sub.received.some((r) => r.value.kind === 'TRACE_FINISHED' && r.value.trace?.purpose === 'test.failure')), 20_000);
    subs.forEach((sub) => sub.stop());
    const failure = (sub: (typeof subs)[number]) => sub.received.find((r) => r.value.kind === 'REPORT')?.value.report?.data;
    expect(failure(subs[0] as (typeof subs)[number])).toEqual({ reason: 'HTTP 401', providerDetail: 'invalid key sk-…' });
    expect(failure(subs[1] as (typeof subs)[number])).toEqual({ reason: 'HTTP 401' });
    // Replayed the same way.
    const replayed = (await snapshotOf(viewerClient, { b: batchId, l: 'ERROR' })).find((e) => e.kind === 'REPORT');
    expect(replayed?.report?.data).toEqual({ reason: 'HTTP 401' });
  });

  it('keeps counting after a restart: the snapshots carry the last numbers, and new events take the next ones', async () => {
    const last = (await snapshotOf(viewerClient, { b: batchId })).at(-1)?.seq ?? 0;
    expect(last).toBeGreaterThanOrEqual(live.at(-1)?.seq ?? 0);
    const progressSnapshot = async (client: Client) => {
      const sub = follow<{ seq: number }>(client, PROGRESS, { b: batchId }, 'batchProgress');
      await until(async () => sub.received.length > 0, 20_000);
      sub.stop();
      return sub.received[0]?.value.seq;
    };
    // Snapshots do not take numbers: two in a row say the same, the last number sent.
    const lastProgress = (await progressSnapshot(adminClient)) ?? 0;
    expect(lastProgress).toBeGreaterThanOrEqual(Math.max(...progress.map((p) => p.value.seq)));
    expect(await progressSnapshot(adminClient)).toBe(lastProgress);

    await adminClient.dispose();
    await viewerClient.dispose();
    await s.stop();
    s = await startServer({}, s.dataDir);
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    adminClient = connect(s, admin);
    viewerClient = connect(s, await s.signIn('reader', 'amber lighthouse orchard 71'));

    expect(await progressSnapshot(adminClient)).toBe(lastProgress);
    const replayed = await snapshotOf(viewerClient, { b: batchId });
    expect(replayed.at(-1)).toMatchObject({ kind: 'SNAPSHOT', seq: last });

    const sub = follow<Event>(viewerClient, TRACE_EVENTS, { b: batchId, after: last }, 'traceEvents');
    const prog = follow<{ seq: number; step: string | null }>(adminClient, PROGRESS, { b: batchId }, 'batchProgress');
    await until(async () => sub.received.length > 0 && prog.received.length > 0, 20_000);
    const reprocess = await s.gql('mutation($a: [ID!]!) { reprocessArtefacts(artefactIds: $a, steps: [TEXT]) { status } }', { a: [artefactId] }, admin);
    expect(reprocess.body.errors).toBeUndefined();
    await until(async () => sub.received.some((r) => r.value.kind === 'TRACE_FINISHED'), 180_000);
    await until(async () => prog.received.some((r) => r.value.step === 'store'));
    sub.stop();
    prog.stop();
    const events = sub.received.map((r) => r.value);
    expect(events[0]).toMatchObject({ kind: 'SNAPSHOT', seq: last });
    expect(events.slice(1).map((e) => e.seq)).toEqual(events.slice(1).map((_, i) => last + 1 + i));
    const progressSeqs = prog.received.map((r) => r.value.seq);
    expect(progressSeqs).toEqual(progressSeqs.map((_, i) => lastProgress + i));
  }, 240_000);
});
