import { afterAll, describe, expect, it } from 'vitest';
import { gid, seedBatch, serverWithModels, settle } from '../language/fixtures.js';
import { reply, type OpenAiDouble } from '../support/openai-double.js';
import type { TestServer } from '../support/server.js';

const START = 'mutation($id: ID!) { startIntegration(batchId: $id) { stage } }';

describe('integration on the durable job queue', () => {
  let s: TestServer | undefined;
  let double: OpenAiDouble | undefined;
  afterAll(async () => {
    await s?.close();
    await double?.close();
  });

  it('survives a restart: an artefact cut off mid-answer stays queued, and the next boot places it for the person who started the run', async () => {
    ({ s, double } = await serverWithModels());
    const archivist = await s.userWithRole('ARCHIVIST', 'sorter');
    s.core.store.categories.create({ name: 'Business forums', description: 'Panels and talks' });
    const { batchId, artefactIds } = await seedBatch(s.core.store, [
      { kind: 'HF', name: 'early', fields: { caption: 'A panel at the forum' } },
      { kind: 'HF', name: 'late', fields: { caption: 'Another panel at the forum' } },
    ]);
    const [early, late] = artefactIds as [string, string];
    const placed = { decision: 'existing', category: 'Business forums', reason: 'A forum panel' };
    const answer = JSON.stringify(placed);
    double.enqueue(reply.json(placed), reply.slow(30_000, answer));

    expect((await s.gql(START, { id: gid.batch(batchId) }, archivist.token)).body.errors).toBeUndefined();
    while (double.requests.length < 2) await settle();
    await s.stop(); // the second answer never arrives

    const dataDir = s.dataDir;
    ({ s } = await serverWithModels({ double, dataDir }));
    // Before the restarted queue has placed it, the cut-off artefact was still waiting: confirmed, untried.
    double.enqueue(reply.json(placed));
    await s.core.jobs.queue.whenIdle();
    while (s.core.store.batches.byIds([batchId])[0]?.stage !== 'COMPLETED') await settle();

    const store = s.core.store;
    const status = (id: string) => store.batches.entriesOf([id])[0]?.status;
    expect([status(early), status(late)]).toEqual(['INTEGRATED', 'INTEGRATED']);
    // Placed once each: the early one was not asked about again.
    expect(double.requests).toHaveLength(3);
    expect(store.categories.membershipsOf([late]).map((m) => m.reason)).toEqual(['A forum panel']);
    const traces = store.traces.page({ first: 10 }, { batchId }).page.items.map((t) => t.outcome);
    expect(traces).toEqual(['interrupted', 'completed']);
    // The restarted run acts for the archivist who started it.
    const audit = store.audit.page({ first: 20 }, { action: 'integration.assign' }).page.items;
    expect(audit.map((a) => a.actorName)).toEqual(['sorter', 'sorter']);
  }, 60_000);
});
