import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { gid, seedArtefact, seedBatch, subscribe } from './fixtures.js';

// No LLM_* variables: every language step is skipped, and says so.
describe('without a language model', () => {
  let s: TestServer;
  let archivist: string;
  beforeAll(async () => {
    s = await startServer();
    archivist = (await s.userWithRole('ARCHIVIST', 'sorter')).token;
  });
  afterAll(() => s.close());

  it('Archivus says it was skipped, as a whole answer and as a single closing chunk', async () => {
    const id = await seedArtefact(s.core.store, { kind: 'HF', fields: { caption: 'A panel' } });

    const whole = await s.gql(
      'mutation($id: ID!) { askArchivus(artefactId: $id, question: "Who is this?") { status answer model reason } }',
      { id: gid.artefact(id) },
      archivist,
    );
    const sub = subscribe<{ archivusAnswer: unknown }>(
      s,
      archivist,
      'subscription($id: ID!) { archivusAnswer(artefactId: $id, question: "Who is this?") { delta done model skippedReason } }',
      { id: gid.artefact(id) },
    );
    try {
      expect(await sub.events).toEqual([{ archivusAnswer: { delta: '', done: true, model: null, skippedReason: 'no language model configured' } }]);
    } finally {
      await sub.dispose();
    }

    expect(whole.body.data).toEqual({ askArchivus: { status: 'SKIPPED', answer: null, model: null, reason: 'no language model configured' } });
    const traces = s.core.store.traces.page({ first: 10 }, { artefactId: id }).page.items;
    expect(traces.map((t) => t.outcome)).toEqual(['skipped', 'skipped']);
  });

  it('the integrator records every photo as skipped, leaves it for a person, and completes', async () => {
    const store = s.core.store;
    const { batchId, artefactIds } = await seedBatch(store, [
      { kind: 'HF', fields: { caption: 'A panel' } },
      { kind: 'MM', fields: { transcription: '會議' } },
    ]);
    const [photo, minutes] = artefactIds as [string, string];

    const started = await s.gql('mutation($id: ID!) { startIntegration(batchId: $id) { stage } }', { id: gid.batch(batchId) }, archivist);
    await s.core.jobs.queue.whenIdle();

    expect(started.body.errors).toBeUndefined();
    expect(store.batches.entriesOf([photo])[0]).toMatchObject({
      status: 'CONFIRMED',
      errorCode: 'SKIPPED',
      errorMessage: 'skipped: no language model configured',
    });
    expect(store.batches.entriesOf([minutes])[0]?.status).toBe('INTEGRATED');
    expect(store.categories.membershipsOf(artefactIds)).toEqual([]);
    expect(store.batches.byIds([batchId])[0]?.stage).toBe('COMPLETED');
    const trace = store.traces.page({ first: 5 }, { batchId }).page.items[0];
    const reports = store.traces.reports(trace?.id ?? '', { first: 50 }, {}).page.items;
    expect(reports.some((r) => r.source === 'llm.categorise' && r.data?.outcome === 'skipped')).toBe(true);
  });
});
