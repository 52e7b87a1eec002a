import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { reply, type OpenAiDouble } from '../support/openai-double.js';
import { codeOf, SUPERUSER, type TestServer } from '../support/server.js';
import { gid, seedBatch, serverWithModels, settle, SORT_MODEL, subscribe } from './fixtures.js';

const START = 'mutation($id: ID!) { startIntegration(batchId: $id) { stage counts { confirmed integrated } } }';
const PROGRESS = `subscription($id: ID!) {
  integrationProgress(batchId: $id) { done total outcome message finished artefact { name } batch { stage } }
}`;

interface Progress {
  integrationProgress: {
    done: number;
    total: number;
    outcome: string | null;
    message: string;
    finished: boolean;
    artefact: { name: string } | null;
    batch: { stage: string };
  };
}

const photo = (name: string, caption: string) => ({ kind: 'HF' as const, name, fields: { caption } });
const text = (m: ChatCompletionMessageParam | undefined): string => (typeof m?.content === 'string' ? m.content : '');

describe('catalogue integrator', () => {
  let s: TestServer;
  let double: OpenAiDouble;
  let archivist: string;

  beforeAll(async () => {
    ({ s, double } = await serverWithModels());
    archivist = (await s.userWithRole('ARCHIVIST', 'sorter')).token;
    s.core.store.categories.create({ name: 'Business forums', description: 'Panels and talks' });
  });
  afterAll(async () => {
    await s.close();
    await double.close();
  });

  const store = () => s.core.store;
  const entry = (artefactId: string) => store().batches.entriesOf([artefactId])[0];
  const categoriesOf = (artefactId: string) =>
    store()
      .categories.membershipsOf([artefactId])
      .map((m) => ({ ...m, name: store().categories.byIds([m.categoryId])[0]?.name }));

  it('assigns, creates, and refines in order, leaves minutes alone, and reports progress on a subscription', async () => {
    const { batchId, artefactIds } = await seedBatch(store(), [
      photo('panel', 'Five speakers on a stage at the business forum'),
      photo('dinner', 'Members at the annual dinner'),
      { kind: 'MM', name: 'minutes', fields: { transcription: '總商會第一次會議' } },
      photo('dinner-2', 'Guests toasting at the annual dinner'),
    ]);
    const [panel, dinner, minutes, dinner2] = artefactIds as [string, string, string, string];
    double.enqueue(
      reply.json({ decision: 'existing', category: 'Business forums', reason: 'A panel at a business forum' }),
      reply.json({ decision: 'new', name: 'Annual dinners', description: 'The Chamber’s yearly dinners', reason: 'No dinner category yet' }),
      reply.json({
        decision: 'existing',
        category: 'Annual dinners',
        revisedDescription: 'The Chamber’s yearly dinners and their toasts',
        reason: 'Another annual dinner, with toasts',
      }),
    );
    const before = double.requests.length;
    const errors = vi.spyOn(s.app.log, 'error');
    const sub = subscribe<Progress>(s, archivist, PROGRESS, { id: gid.batch(batchId) });
    try {
      await settle();

      const started = await s.gql<{ startIntegration: { stage: string; counts: { confirmed: number } } }>(START, { id: gid.batch(batchId) }, archivist);
      const events = (await sub.events).map((e) => e.integrationProgress);

      // The mutation returns while the run goes on in the background.
      expect(started.body.data?.startIntegration).toEqual({ stage: 'INTEGRATING', counts: { confirmed: 4, integrated: 0 } });
      expect(events.map((e) => [e.done, e.total, e.outcome, e.artefact?.name ?? null, e.finished])).toEqual([
        [1, 4, 'ASSIGNED', 'panel', false],
        [2, 4, 'CREATED', 'dinner', false],
        [3, 4, 'NOT_APPLICABLE', 'minutes', false],
        [4, 4, 'REVISED', 'dinner-2', false],
        [4, 4, null, null, true],
      ]);
      expect(events.at(-1)?.batch.stage).toBe('COMPLETED');
      expect(events.at(-1)?.message).toBe('Integration completed: 1 assigned, 1 created, 1 not applicable, 1 revised');
    } finally {
      await sub.dispose();
    }
    // A subscription that ended as it should is no error (it used to log an AbortError).
    await settle();
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();

    // Three questions: none about the minutes page; the third photo saw the category the second made.
    expect(double.requests.length - before).toBe(3);
    expect(text(double.requests[before]?.body.messages[1])).toContain('Caption: Five speakers on a stage');
    expect(text(double.requests[before + 2]?.body.messages[1])).toContain('- Annual dinners: The Chamber’s yearly dinners');
    expect(categoriesOf(panel)).toMatchObject([{ name: 'Business forums', reason: 'A panel at a business forum', placedBy: 'MODEL', model: SORT_MODEL, userId: null }]);
    expect(categoriesOf(dinner)).toMatchObject([{ name: 'Annual dinners', reason: 'No dinner category yet', placedBy: 'MODEL', model: SORT_MODEL }]);
    expect(categoriesOf(dinner2)).toMatchObject([{ name: 'Annual dinners', reason: 'Another annual dinner, with toasts' }]);
    expect(store().categories.byName('Annual dinners')?.description).toBe('The Chamber’s yearly dinners and their toasts');
    expect(categoriesOf(minutes)).toEqual([]);
    expect(store().books.page({ first: 10 }, {}).page.items).toEqual([]);
    for (const id of artefactIds) expect(entry(id)?.status).toBe('INTEGRATED');
    expect(store().batches.byIds([batchId])[0]?.stage).toBe('COMPLETED');

    const trace = store().traces.page({ first: 5 }, { batchId }).page.items[0];
    expect(trace?.outcome).toBe('completed');
    const reports = store().traces.reports(trace?.id ?? '', { first: 100 }, {}).page.items;
    expect(reports.filter((r) => r.source === 'llm.categorise' && r.data?.outcome === 'answered')).toHaveLength(3);
    expect(reports.filter((r) => r.source === 'integration.artefact').map((r) => r.data?.outcome)).toEqual([
      'ASSIGNED',
      'CREATED',
      'NOT_APPLICABLE',
      'REVISED',
    ]);
  });

  it('feeds an unknown category back to the model, and leaves a photo for a person after answers that stay malformed', async () => {
    // Its own category to rename: the other tests keep 'Business forums' as it is.
    store().categories.create({ name: 'Lectures', description: 'Talks to members' });
    const { batchId, artefactIds } = await seedBatch(store(), [photo('talk', 'A speaker at a forum'), photo('blur', 'Blurred crowd')]);
    const [talk, blur] = artefactIds as [string, string];
    double.enqueue(
      reply.json({ decision: 'existing', category: 'Forums', reason: 'A talk' }),
      reply.json({ decision: 'existing', category: 'Lectures', revisedName: 'Lectures and talks', reason: 'A talk at a forum' }),
      reply.text('I think this is a crowd.'),
      reply.text('Probably a dinner?'),
      reply.json({ decision: 'new', name: 'Crowds', reason: 'no description given' }),
    );
    const before = double.requests.length;

    await s.gql(START, { id: gid.batch(batchId) }, archivist);
    await s.core.jobs.queue.whenIdle();

    expect(text(double.requests[before + 1]?.body.messages.at(-1))).toContain('category: must be exactly one of the existing names');
    expect(categoriesOf(talk)).toMatchObject([{ name: 'Lectures and talks', reason: 'A talk at a forum', placedBy: 'MODEL' }]);
    expect(entry(talk)).toMatchObject({ status: 'INTEGRATED', errorCode: null });
    // Three attempts (LLM_MAX_ANSWER_ATTEMPTS), then recorded as failed; nothing is made up.
    expect(double.requests.length - before).toBe(5);
    expect(categoriesOf(blur)).toEqual([]);
    expect(store().categories.byName('Crowds')).toBeUndefined();
    expect(entry(blur)).toMatchObject({ status: 'CONFIRMED', step: 'integration', errorCode: 'LLM_INVALID_ANSWER' });
    expect(entry(blur)?.errorMessage).toBe('Could not place it automatically: categorise via double: no acceptable answer after 3 attempts');
    expect(store().batches.byIds([batchId])[0]?.stage).toBe('COMPLETED');
  });

  it('rejects a new category whose name is taken or too long, and retries', async () => {
    const { artefactIds, batchId } = await seedBatch(store(), [photo('forum-2', 'Another forum')]);
    double.enqueue(
      reply.json({ decision: 'new', name: 'business FORUMS', description: 'x', reason: 'y' }),
      reply.json({ decision: 'new', name: 'F'.repeat(121), description: 'x', reason: 'y' }),
      reply.json({ decision: 'existing', category: 'Business forums', reason: 'A forum' }),
    );
    const before = double.requests.length;

    await s.gql(START, { id: gid.batch(batchId) }, archivist);
    await s.core.jobs.queue.whenIdle();

    expect(text(double.requests[before + 1]?.body.messages.at(-1))).toContain('name: a category with this name exists');
    expect(text(double.requests[before + 2]?.body.messages.at(-1))).toContain('name:');
    expect(categoriesOf(artefactIds[0] as string)).toMatchObject([{ name: 'Business forums', reason: 'A forum' }]);
  });

  it('confirms vetted artefacts for archivists only, and starts only a batch with confirmed artefacts', async () => {
    const { batchId, artefactIds } = await seedBatch(store(), [
      { ...photo('vetted', 'A vetted photo'), status: 'PROCESSED' },
      { ...photo('waiting', 'Not processed yet'), status: 'UNPROCESSED' },
    ]);
    const [vetted, waiting] = artefactIds as [string, string];
    const viewer = (await s.userWithRole('VIEWER', 'onlooker')).token;
    const confirm = 'mutation($b: ID!, $a: ID!) { confirmBatchArtefact(batchId: $b, artefactId: $a) { name batchEntry { status } } }';

    const nothingYet = await s.gql(START, { id: gid.batch(batchId) }, archivist);
    const asViewer = await s.gql(confirm, { b: gid.batch(batchId), a: gid.artefact(vetted) }, viewer);
    const unprocessed = await s.gql(confirm, { b: gid.batch(batchId), a: gid.artefact(waiting) }, archivist);
    const confirmed = await s.gql(confirm, { b: gid.batch(batchId), a: gid.artefact(vetted) }, archivist);
    const startAsViewer = await s.gql(START, { id: gid.batch(batchId) }, viewer);

    expect(codeOf(nothingYet)).toBe('CONFLICT');
    expect(codeOf(asViewer)).toBe('FORBIDDEN');
    expect(codeOf(unprocessed)).toBe('CONFLICT');
    expect(confirmed.body.data).toEqual({ confirmBatchArtefact: { name: 'vetted', batchEntry: { status: 'CONFIRMED' } } });
    expect(codeOf(startAsViewer)).toBe('FORBIDDEN');
    expect(store().batches.byIds([batchId])[0]?.stage).toBe('VETTING');
  });

  it('refuses a second start while a run is going on', async () => {
    const { batchId } = await seedBatch(store(), [photo('slow', 'A slow answer')]);
    double.enqueue(reply.slow(1000, JSON.stringify({ decision: 'existing', category: 'Business forums', reason: 'A forum' })));
    const token = await s.signIn(SUPERUSER.username, SUPERUSER.password);

    const first = await s.gql(START, { id: gid.batch(batchId) }, archivist);
    const second = await s.gql(START, { id: gid.batch(batchId) }, token);
    await s.core.jobs.queue.whenIdle();

    expect(first.body.errors).toBeUndefined();
    expect(codeOf(second)).toBe('CONFLICT');
    expect(store().batches.byIds([batchId])[0]?.stage).toBe('COMPLETED');
  });
});
