import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobalId } from '../../resolvers/ids.js';
import { startServer, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';
import { SAMPLES_DIR as SAMPLES } from '../support/samples.js';

const sample = (name: string) => readFileSync(path.join(SAMPLES, name));

const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) {
  createBatch(name: $name, files: $files, kind: $kind) { batch { id } files { error { code } } }
}`;

interface BatchState {
  node: {
    stage: string;
    counts: { total: number; processed: number; failed: number };
    artefacts: {
      nodes: {
        name: string;
        kind: string;
        batchEntry: { status: string; errorCode: string | null; durationMs: number | null };
        transcription: { value: string | null; origin: string; step: string } | null;
        layout: { value: string | null } | null;
        simplified: { value: string | null } | null;
        banner: { value: string | null } | null;
        description: { value: string | null; step: string } | null;
        faces: { assignment: string; figure: { id: string } | null }[];
        traces: { nodes: { outcome: string | null; reports: { nodes: { source: string; workerId: number }[] } }[] };
      }[];
    };
  };
}

const STATE = `query($id: ID!) { node(id: $id) { ... on Batch { stage counts { total processed failed } artefacts(first: 3) { nodes {
  name kind batchEntry { status errorCode durationMs }
  transcription: field(name: TRANSCRIPTION) { value origin step } layout: field(name: OCR_LAYOUT) { value } simplified: field(name: SIMPLIFIED) { value }
  banner: field(name: BANNER_TEXT) { value } description: field(name: DESCRIPTION) { value step }
  faces { assignment figure { id } }
  traces(first: 2) { nodes { outcome reports(first: 50) { nodes { source workerId } } } }
} } } } }`;

async function create(s: TestServer, token: string, name: string, kind: string, files: string[]): Promise<string> {
  const r = await uploadFiles(s.url, token, CREATE, { name, kind }, files.map((f) => ({ name: f, data: sample(f) })));
  const id = (r.body.data as { createBatch: { batch: { id: string } } }).createBatch.batch.id;
  return id;
}

async function waitForStage(s: TestServer, token: string, id: string, stage: string, timeoutMs = 120_000): Promise<BatchState['node']> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await s.gql<BatchState>(STATE, { id }, token);
    const node = r.body.data?.node;
    if (node?.stage === stage) return node;
    if (Date.now() > until) throw new Error(`batch still ${node?.stage}: ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// Real models in a worker pool on a shared 2-core machine: generous time limits, no speed assertions.
describe('batch processing through the worker pool', { timeout: 240_000 }, () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startServer();
    token = (await s.userWithRole('ARCHIVIST', 'processor')).token;
  });
  afterAll(() => s.close());

  it('processes two batches to vetting, with fields, faces, traces from the worker and live progress', async () => {
    const pages = await create(s, token, 'Minutes', 'MM', ['minutes-page.jpg']);
    const photos = await create(s, token, 'Photos', 'HF', ['panel-photo.png']);

    const client = createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
    const events: { seq: number; stage: string; step: string | null; done: number; total: number }[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($b: ID!) { batchProgress(batchId: $b) { seq stage step done total etaSeconds } }', variables: { b: photos } },
        {
          next: (v) => {
            const e = (v.data as { batchProgress: (typeof events)[number] }).batchProgress;
            events.push(e);
            if (e.stage === 'VETTING') resolve();
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await new Promise((r) => setTimeout(r, 200));
    for (const b of [pages, photos]) {
      const started = await s.gql<{ startBatch: { stage: string } }>('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b }, token);
      // Queued, or already taken by the processor.
      expect(['QUEUED', 'PROCESSING']).toContain(started.body.data?.startBatch.stage);
    }

    const mm = (await waitForStage(s, token, pages, 'VETTING')).artefacts.nodes[0];
    expect(mm?.batchEntry.status).toBe('PROCESSED');
    expect(mm?.transcription?.origin).toBe('MACHINE');
    expect(mm?.transcription?.value).toContain('新嘉坡中華商務總會');
    expect(mm?.simplified?.value).toContain('新嘉坡中华商务总会');
    // The stored layout keeps the page's note apart from the columns, after column 6, and the
    // transcription marks it after the main text.
    const layout = JSON.parse(mm?.layout?.value ?? '{}') as { lines: { kind: string }[]; notes: { after: number; text: string }[]; seals: unknown[]; unreadInk: number };
    expect(layout.lines.filter((l) => l.kind === 'note')).toEqual([]);
    expect(layout.notes.map((n) => n.after)).toEqual([6]);
    expect(layout.seals).toEqual([]);
    expect(layout.unreadInk).toBeLessThan(0.05);
    expect(mm?.transcription?.value?.split('\n').at(-1)).toBe(`〔註〕${layout.notes[0]!.text}`);

    const hf = (await waitForStage(s, token, photos, 'VETTING')).artefacts.nodes[0];
    expect(hf?.faces).toHaveLength(5);
    // Nobody is known yet: identifiable faces found new figures; faces too small to identify (the
    // panel's faces are under 40 px) stay unassigned, for a person to label.
    expect(hf?.faces.every((f) => (f.assignment === 'NEW' && f.figure !== null) || (f.assignment === 'UNASSIGNED' && f.figure === null))).toBe(true);
    expect(hf?.banner?.value).toMatch(/聯合早報|联合早报/);
    expect(hf?.description?.step).toBe('description.factual');
    expect(hf?.description?.value).toMatch(/5 people/);
    expect(mm?.transcription?.step).toBe('ocr.read');
    const trace = hf?.traces.nodes[0];
    expect(trace?.outcome).toBe('ok');
    expect(trace?.reports.nodes.some((r) => r.workerId !== 0)).toBe(true);

    await finished;
    await client.dispose();
    // The snapshot carries the batch's last number without taking one (none yet: 0); every event after it takes the next.
    expect(events[0]?.seq).toBe(0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.some((e) => e.step === 'faces.detect')).toBe(true);
    expect(events.at(-1)).toMatchObject({ stage: 'VETTING', done: 1, total: 1 });
  });

  it('cancels between steps, resumes, and finishes without redoing finished artefacts', async () => {
    // One worker takes them in turn: the small panel first, then two that take longer.
    const id = await create(s, token, 'Cancel me', 'HF', ['panel-photo.png', 'group-photo.png', 'minutes-page.jpg']);
    const ENTRIES = `query($id: ID!) { node(id: $id) { ... on Batch { stage artefacts(first: 3) { nodes {
      name batchEntry { status processedAt } traces(first: 1) { totalCount } } } } } }`;
    interface Entries {
      node: { stage: string; artefacts: { nodes: { name: string; batchEntry: { status: string; processedAt: string | null }; traces: { totalCount: number } }[] } };
    }
    const entries = async () => {
      const r = await s.gql<Entries>(ENTRIES, { id }, token);
      const node = r.body.data?.node;
      if (!node) throw new Error(JSON.stringify(r.body.errors));
      return node;
    };
    const until = async (done: (n: Entries['node']) => boolean) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const n = await entries();
        if (done(n)) return n;
        if (Date.now() > deadline) throw new Error(`waited too long: ${JSON.stringify(n)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: id }, token);
    await until((n) => n.artefacts.nodes.some((a) => a.batchEntry.status === 'PROCESSED'));
    const cancelled = await s.gql<{ cancelBatch: { stage: string } }>('mutation($b: ID!) { cancelBatch(batchId: $b) { stage } }', { b: id }, token);
    expect(cancelled.body.data?.cancelBatch.stage).toBe('CANCELLED');
    // Whatever was running stops at its next step boundary and goes back to the queue.
    const mid = await until((n) => n.artefacts.nodes.every((a) => a.batchEntry.status !== 'PROCESSING'));
    expect(mid.stage).toBe('CANCELLED');
    const doneBefore = mid.artefacts.nodes.filter((a) => a.batchEntry.status === 'PROCESSED');
    expect(doneBefore.length).toBeGreaterThanOrEqual(1);
    expect(doneBefore.length).toBeLessThan(3);
    for (const a of doneBefore) expect(a.traces.totalCount, a.name).toBe(1);

    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: id }, token);
    const end = await waitForStage(s, token, id, 'VETTING');
    expect(end.counts).toMatchObject({ total: 3, processed: 3, failed: 0 });
    // Finished before the cancel: not run again (same time of processing, no second trace).
    const after = (await entries()).artefacts.nodes;
    for (const a of doneBefore) {
      expect(after.find((x) => x.name === a.name), a.name).toMatchObject({ batchEntry: a.batchEntry, traces: { totalCount: 1 } });
    }
  });
});

describe('restart', { timeout: 240_000 }, () => {
  it('picks up a batch a stopped server left half-done', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    const token = (await first.userWithRole('ARCHIVIST', 'restarter')).token;
    const id = await create(first, token, 'Across a restart', 'MM', ['minutes-page.jpg']);
    const local = parseGlobalId(id)?.id as string;
    // The state a crash in the middle of an artefact leaves behind.
    first.core.store.batches.setStage(local, 'PROCESSING');
    first.core.store.batches.updateEntry(first.core.store.batches.entries(local)[0]?.artefactId as string, { status: 'PROCESSING', step: 'ocr' });
    await first.stop();
    const second = await startServer({}, dataDir);
    try {
      const end = await (async () => {
        const until = Date.now() + 120_000;
        for (;;) {
          const batch = second.core.store.batches.byIds([local])[0];
          if (batch?.stage === 'VETTING') return second.core.store.batches.entries(local);
          if (Date.now() > until) throw new Error(`still ${batch?.stage}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      expect(end.map((e) => e.status)).toEqual(['PROCESSED']);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
