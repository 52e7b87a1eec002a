import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simplifiedText } from '../../src/ocr/chinese-script.js';
import { reply, startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { batchOf, until } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { codeOf, startServer, type TestServer } from '../support/server.js';
import { gid, seedBatch } from './fixtures.js';

const OCR = '新嘉坡中華商務總會事簿\n去冬張弼士太僕奉';
const CORRECTED = '新嘉坡中華商務總會議事簿\n去冬張弼士太僕奉';
const ENGLISH = 'Minute book of the Singapore Chinese Chamber of Commerce. Last winter, Chang Pi-shih came by imperial order.';

const REPROCESS = 'mutation($ids: [ID!]!, $steps: [ProcessingStep!]) { reprocessArtefacts(artefactIds: $ids, steps: $steps) { status } }';
const RETRY = 'mutation($id: ID!) { retryFailedSteps(batchId: $id) { status } }';
const STATE = `query($id: ID!, $b: ID!) {
  node(id: $id) { ... on Artefact {
    batchEntry { status step errorCode errorMessage warning }
    failedSteps { step code message attempts failedAt }
    transcription: field(name: TRANSCRIPTION) { value }
    simplified: field(name: SIMPLIFIED) { value }
    translation: field(name: TRANSLATION) { value }
    entities: field(name: ENTITIES) { value }
    traces(last: 1) { nodes { reports(first: 100) { nodes { source level message } } } }
  } }
  batch: node(id: $b) { ... on Batch { counts { processed failed withFailedSteps } } }
}`;

interface State {
  node: {
    batchEntry: { status: string; step: string | null; errorCode: string | null; errorMessage: string | null; warning: string | null };
    failedSteps: { step: string; code: string; message: string; attempts: number; failedAt: string }[];
    transcription: { value: string } | null;
    simplified: { value: string } | null;
    translation: { value: string } | null;
    entities: { value: string } | null;
    traces: { nodes: { reports: { nodes: { source: string; level: string; message: string }[] } }[] };
  };
  batch: { counts: { processed: number; failed: number; withFailedSteps: number } };
}

describe('language steps fail soft and can be redone one by one', { timeout: 240_000 }, () => {
  let s: TestServer;
  let double: OpenAiDouble;
  let token: string;

  beforeAll(async () => {
    double = await startOpenAiDouble();
    const route = (task: string) => [`LLM_TASK_${task}`, `double:model-${task.toLowerCase()}`];
    s = await startServer({
      LLM_CLIENTS: 'double',
      LLM_DOUBLE_BASE_URL: double.baseUrl,
      LLM_MAX_RETRIES: '1',
      LLM_RETRY_BASE_MS: '1',
      LLM_MAX_ANSWER_ATTEMPTS: '2',
      ...Object.fromEntries(['OCR_CORRECTION', 'TRANSLATION', 'SUMMARY', 'ENTITIES'].map(route)),
    });
    token = (await s.userWithRole('ARCHIVIST', 'redoer')).token;
  });
  afterAll(async () => {
    await s.close();
    await double.close();
  });

  const state = async (artefactId: string, batchId: string) => {
    const r = await s.gql<State>(STATE, { id: artefactId, b: batchId }, token);
    if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
    return r.body.data as State;
  };
  const finished = async (artefactId: string, batchId: string) => {
    await until(async () => (await state(artefactId, batchId)).node.batchEntry.step === 'done');
    await s.core.jobs.queue.whenIdle();
    return state(artefactId, batchId);
  };
  const taskOf = (i: number) => double.requests[i]?.body.model;

  it('records a failed translation on the artefact, runs the other steps, and ends PROCESSED with a warning; retryFailedSteps redoes just that step', async () => {
    const seeded = await seedBatch(s.core.store, [{ kind: 'MM', status: 'PROCESSED', fields: { ocrTranscription: OCR, transcription: OCR } }]);
    const artefactId = gid.artefact(seeded.artefactIds[0] as string);
    const batchId = gid.batch(seeded.batchId);
    double.enqueue(
      reply.text(CORRECTED),
      // The endpoint fails the translation and its one retry.
      reply.serverError(500),
      reply.serverError(503),
      // No English: the summary and the English entities have nothing to work from; the Chinese pass runs.
      reply.json({ entities: [{ text: '張弼士', label: 'PERSON' }] }),
    );
    const before = double.requests.length;

    expect((await s.gql(REPROCESS, { ids: [artefactId], steps: ['LANGUAGE'] }, token)).body.errors).toBeUndefined();
    const after = await finished(artefactId, batchId);

    expect(after.node.batchEntry).toMatchObject({ status: 'PROCESSED', errorCode: null, warning: '1 step failed: translation (LLM_FAILED)' });
    expect(after.node.failedSteps).toEqual([
      { step: 'TRANSLATION', code: 'LLM_FAILED', message: 'translation via double failed (HTTP 503)', attempts: 2, failedAt: expect.any(String) },
    ]);
    expect(after.batch.counts).toEqual({ processed: 1, failed: 0, withFailedSteps: 1 });
    expect(double.requests.slice(before).map((r) => r.body.model)).toEqual(['model-ocr_correction', 'model-translation', 'model-translation', 'model-entities']);
    // The correction became the transcription, and Simplified Chinese followed it.
    expect(after.node.transcription?.value).toBe(CORRECTED);
    expect(after.node.simplified?.value).toBe(simplifiedText(CORRECTED));
    expect(after.node.simplified?.value).toContain('议事簿');
    expect(after.node.entities?.value).toContain('張弼士');
    expect(after.node.translation).toBeNull();
    const reports = after.node.traces.nodes[0]?.reports.nodes ?? [];
    expect(reports).toContainEqual(expect.objectContaining({ source: 'language', level: 'WARN', message: expect.stringMatching(/^translation failed \(LLM_FAILED/) }));
    expect(reports).toContainEqual(expect.objectContaining({ message: 'summary skipped: there is no English translation to work from' }));

    double.enqueue(reply.text(ENGLISH));
    const retried = await s.gql<{ retryFailedSteps: { status: string }[] }>(RETRY, { id: batchId }, token);
    expect(retried.body.data?.retryFailedSteps.map((e) => e.status)).toEqual(['PROCESSED']);
    const redone = await finished(artefactId, batchId);

    expect(double.requests.slice(before + 4).map((r) => r.body.model)).toEqual(['model-translation']);
    expect(redone.node.translation?.value).toBe(ENGLISH);
    expect(redone.node.failedSteps).toEqual([]);
    expect(redone.node.batchEntry.warning).toBeNull();
    expect(redone.batch.counts.withFailedSteps).toBe(0);
    expect(codeOf(await s.gql(RETRY, { id: batchId }, token))).toBe('CONFLICT');
  });

  it('processes a real page to vetting with the endpoint down: PROCESSED with a warning, not FAILED', async () => {
    const { batchId, artefactId } = await batchOf(s, token, 'page.jpg', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM');
    // Nothing scripted: the double answers every request with a 500.
    await s.gql('mutation($id: ID!) { startBatch(batchId: $id) { stage } }', { id: batchId }, token);
    const after = await finished(artefactId, batchId);

    expect(after.node.batchEntry).toMatchObject({
      status: 'PROCESSED',
      errorCode: null,
      warning: '3 steps failed: ocr correction (LLM_FAILED), translation (LLM_FAILED), entities (LLM_FAILED)',
    });
    expect(after.batch.counts).toEqual({ processed: 1, failed: 0, withFailedSteps: 1 });
    // The OCR reading stands, and Simplified Chinese was derived from it.
    expect(after.node.transcription?.value).toBeTruthy();
    expect(after.node.simplified?.value).toBe(simplifiedText(after.node.transcription?.value ?? ''));
  });

  it('reprocesses single language steps by name', async () => {
    const seeded = await seedBatch(s.core.store, [{ kind: 'MM', status: 'PROCESSED', fields: { ocrTranscription: OCR, transcription: OCR, translation: ENGLISH } }]);
    const artefactId = gid.artefact(seeded.artefactIds[0] as string);
    double.enqueue(reply.text('The Chamber’s minute book opens with Chang Pi-shih’s visit.'));
    const before = double.requests.length;

    await s.gql(REPROCESS, { ids: [artefactId], steps: ['SUMMARY'] }, token);
    await finished(artefactId, gid.batch(seeded.batchId));

    expect(double.requests.slice(before).map((_, i) => taskOf(before + i))).toEqual(['model-summary']);
  });

  it('cancelling the batch aborts the request to the model in flight, and records no failure', async () => {
    const seeded = await seedBatch(s.core.store, [{ kind: 'MM', status: 'PROCESSED', fields: { ocrTranscription: OCR, transcription: OCR } }]);
    const artefactId = gid.artefact(seeded.artefactIds[0] as string);
    double.enqueue(reply.stallAfterHeaders(50_000, CORRECTED));

    await s.gql(REPROCESS, { ids: [artefactId], steps: ['OCR_CORRECTION'] }, token);
    await until(async () => double.inFlight === 1);
    await s.gql('mutation($id: ID!) { cancelBatch(batchId: $id) { stage } }', { id: gid.batch(seeded.batchId) }, token);

    await until(async () => double.inFlight === 0, 10_000);
    await s.core.jobs.queue.whenIdle();
    const after = await state(artefactId, gid.batch(seeded.batchId));
    expect(after.node.batchEntry).toMatchObject({ status: 'PROCESSED', warning: null });
    expect(after.node.transcription?.value).toBe(OCR);
  });

  it('fails soft on an empty answer and on a refusal too, keeping the OCR text as the transcription', async () => {
    const seeded = await seedBatch(s.core.store, [{ kind: 'MM', status: 'PROCESSED', fields: { ocrTranscription: OCR, transcription: OCR } }]);
    const artefactId = gid.artefact(seeded.artefactIds[0] as string);
    const batchId = gid.batch(seeded.batchId);
    double.enqueue(reply.empty(), reply.refusal(), reply.text("I'm sorry, but I can't help with that."), reply.text('I apologise, I cannot translate this.'));

    await s.gql(REPROCESS, { ids: [artefactId], steps: ['OCR_CORRECTION', 'TRANSLATION'] }, token);
    const after = await finished(artefactId, batchId);

    expect(after.node.batchEntry).toMatchObject({ status: 'PROCESSED', warning: '2 steps failed: ocr correction (LLM_INVALID_ANSWER), translation (LLM_INVALID_ANSWER)' });
    expect(after.node.transcription?.value).toBe(OCR);
    expect(after.node.translation).toBeNull();
  });
});
