import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reply, startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, type TestServer } from '../support/server.js';
import { batchOf, until } from '../support/batches.js';
const EDIT = 'mutation($id: ID!, $fields: [FieldEdit!]) { updateArtefact(artefactId: $id, input: { fields: $fields }) { id } }';
const START = 'mutation($id: ID!) { startBatch(batchId: $id) { stage } }';
const REPROCESS = 'mutation($ids: [ID!]!, $steps: [ProcessingStep!]) { reprocessArtefacts(artefactIds: $ids, steps: $steps) { status step reprocessSteps } }';
const HISTORY = `query($id: ID!, $name: MetadataFieldName!) { node(id: $id) { ... on Artefact {
  fieldHistory(name: $name) { value origin step current }
  batchEntry { status step reprocessSteps }
} } }`;
const STAGE = 'query($id: ID!) { node(id: $id) { ... on Batch { stage } } }';

interface Version {
  value: string | null;
  origin: 'MACHINE' | 'HUMAN';
  step: string | null;
  current: boolean;
}

// Every field a pipeline writes for a page of minutes (OCR, the language steps, derivation).
const PAGE_FIELDS = {
  ocrTranscription: '（人工）OCR 原文',
  transcription: '新嘉坡中華商務總會議事簿（人工校對）',
  simplified: '新加坡中华商务总会议事簿（人工）',
  ocrLayout: '{"lines":[],"note":"drawn by a person"}',
  translation: 'Minute book of the Singapore Chinese Chamber of Commerce (checked by a person).',
  summary: 'The first page, summarised by a person.',
  entities: '[{"text":"Singapore","label":"LOCATION","source":"llm-en"}]',
} as const;

// And for an event photo (text in the photo, the factual description, the caption).
const PHOTO_FIELDS = {
  bannerText: '2023《聯合早報》財政預算案 商業論壇（人工）',
  description: 'Five panellists at the 2023 Budget forum (written by a person).',
  caption: 'The Budget forum panel, 2023 (written by a person).',
} as const;

/** The replies of the minutes' language steps, in the order they are asked. */
const pageReplies = () => [
  // A plausible correction of the person's OCR text (Chinese, about as long), or it would be refused.
  reply.text('人工原文校'),
  reply.text('Machine translation of the minutes.'),
  reply.text('Machine summary.'),
  reply.json({ entities: [{ text: 'Chamber of Commerce', label: 'ORGANIZATION' }] }),
  reply.json({ entities: [{ text: '商務總會', label: 'ORGANIZATION' }] }),
];

describe('a person’s work is never overwritten by a machine run', { timeout: 240_000 }, () => {
  let s: TestServer;
  let double: OpenAiDouble;
  let token: string;

  beforeAll(async () => {
    double = await startOpenAiDouble();
    s = await startServer({
      LLM_CLIENTS: 'double',
      LLM_DOUBLE_BASE_URL: double.baseUrl,
      LLM_TASK_OCR_CORRECTION: 'double:m',
      LLM_TASK_TRANSLATION: 'double:m',
      LLM_TASK_SUMMARY: 'double:m',
      LLM_TASK_ENTITIES: 'double:m',
      LLM_TASK_CAPTION: 'double:m',
      LLM_MAX_RETRIES: '0',
    });
    token = (await s.userWithRole('ARCHIVIST', 'keeper')).token;
  });
  afterAll(async () => {
    await s.close();
    await double.close();
  });

  const upload = (file: string, kind: 'MM' | 'HF') => batchOf(s, token, file, readFileSync(path.join(SAMPLES_DIR, file)), kind);
  // The schema spells field names in capitals: bannerText is BANNER_TEXT.
  const fieldName = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const edit = async (id: string, fields: Record<string, string>) => {
    const r = await s.gql(EDIT, { id, fields: Object.entries(fields).map(([name, value]) => ({ name: fieldName(name), value })) }, token);
    expect(r.body.errors).toBeUndefined();
  };
  const history = async (id: string, name: string) =>
    (await s.gql<{ node: { fieldHistory: Version[]; batchEntry: { status: string; step: string | null; reprocessSteps: string[] } } }>(HISTORY, { id, name: fieldName(name) }, token)).body.data
      ?.node as { fieldHistory: Version[]; batchEntry: { status: string; step: string | null; reprocessSteps: string[] } };
  const stageIs = (batchId: string, stage: string) => async () => (await s.gql<{ node: { stage: string } }>(STAGE, { id: batchId }, token)).body.data?.node.stage === stage;
  const reprocessed = (artefactId: string) => async () => {
    const entry = (await history(artefactId, 'transcription')).batchEntry;
    return entry.reprocessSteps.length === 0 && entry.step === 'done';
  };

  /** Every field is the person's; the machine's value, where it wrote one, is on record and not current. */
  const expectKept = async (artefactId: string, fields: Record<string, string>, machineWrote: readonly string[]) => {
    for (const [name, value] of Object.entries(fields)) {
      const versions = (await history(artefactId, name)).fieldHistory;
      const current = versions.filter((v) => v.current);
      expect(current, name).toEqual([expect.objectContaining({ value, origin: 'HUMAN' })]);
      const machine = versions.filter((v) => v.origin === 'MACHINE');
      if (machineWrote.includes(name)) expect(machine.length, `${name}: the machine's reading is on record`).toBeGreaterThan(0);
      expect(machine.every((v) => !v.current)).toBe(true);
    }
  };

  it('keeps a page’s fields through first processing and reprocessing, with the machine’s readings on record', async () => {
    const { batchId, artefactId } = await upload('minutes-page.jpg', 'MM');
    await edit(artefactId, PAGE_FIELDS);
    double.enqueue(...pageReplies());
    await s.gql(START, { id: batchId }, token);
    await until(stageIs(batchId, 'VETTING'));
    const machineWrote = ['ocrTranscription', 'transcription', 'ocrLayout', 'translation', 'summary', 'entities'];
    await expectKept(artefactId, PAGE_FIELDS, machineWrote);
    // The language steps worked from the person's text, not the machine's.
    expect(JSON.stringify(double.requests.at(-4)?.body.messages)).toContain(PAGE_FIELDS.transcription);

    const before = await Promise.all(machineWrote.map(async (f) => (await history(artefactId, f)).fieldHistory.length));
    double.enqueue(...pageReplies());
    const queued = await s.gql<{ reprocessArtefacts: { status: string; step: string; reprocessSteps: string[] }[] }>(REPROCESS, { ids: [artefactId] }, token);
    // Queued with every step, or already taken by the idle queue; vetting's status stays.
    const [entry] = queued.body.data?.reprocessArtefacts ?? [];
    expect(entry?.status).toBe('PROCESSED');
    expect(entry?.step === 'reprocessing' || entry?.reprocessSteps.join() === 'CLASSIFY,FACES,TEXT,LANGUAGE').toBe(true);
    await until(reprocessed(artefactId));
    await expectKept(artefactId, PAGE_FIELDS, machineWrote);
    // The same machine readings again are not stored twice.
    const after = await Promise.all(machineWrote.map(async (f) => (await history(artefactId, f)).fieldHistory.length));
    expect(after).toEqual(before);
  });

  it('keeps a photo’s text, description and caption through first processing and reprocessing', async () => {
    const { batchId, artefactId } = await upload('panel-photo.png', 'HF');
    await edit(artefactId, PHOTO_FIELDS);
    await s.gql(START, { id: batchId }, token); // no caption request: a person wrote it
    await until(stageIs(batchId, 'VETTING'));
    await expectKept(artefactId, PHOTO_FIELDS, ['bannerText', 'description']);
    await s.gql(REPROCESS, { ids: [artefactId], steps: ['FACES', 'TEXT', 'LANGUAGE'] }, token);
    await until(reprocessed(artefactId));
    await expectKept(artefactId, PHOTO_FIELDS, ['bannerText', 'description']);
  });

  it('reprocessing faces replaces only the machine’s: a face a person placed, or whose figure a person named, stays', async () => {
    const demo = path.resolve(process.cwd(), 'node_modules/@vladmandic/face-api/demo/sample1.jpg');
    const { batchId, artefactId } = await batchOf(s, token, 'three.jpg', readFileSync(demo), 'HF');
    double.enqueue(reply.text('Three people.'));
    await s.gql(START, { id: batchId }, token);
    await until(stageIs(batchId, 'VETTING'));

    type FaceRow = { id: string; assignment: string; figure: { id: string; label: string | null } | null };
    const FACES = 'query($id: ID!) { node(id: $id) { ... on Artefact { faces { id assignment figure { id label } } } } }';
    const faces = async (): Promise<FaceRow[]> => (await s.gql<{ node: { faces: FaceRow[] } }>(FACES, { id: artefactId }, token)).body.data?.node.faces ?? [];
    const first = await faces();
    expect(first.map((f) => f.assignment)).toEqual(['NEW', 'NEW', 'NEW']);
    const [placed, named, machine] = first as [FaceRow, FaceRow, FaceRow];
    // A person splits one face off into a figure of their own, and names the figure another face founded.
    const split = await s.gql<{ moveFace: { figure: { id: string } } }>('mutation($f: ID!) { moveFace(faceId: $f) { figure { id } } }', { f: placed.id }, token);
    expect(split.body.errors).toBeUndefined();
    const label = 'mutation($id: ID!, $label: String) { labelFigure(figureId: $id, label: $label) { id } }';
    expect((await s.gql(label, { id: split.body.data?.moveFace.figure.id, label: 'Left' }, token)).body.errors).toBeUndefined();
    expect((await s.gql(label, { id: named.figure?.id, label: 'Middle' }, token)).body.errors).toBeUndefined();

    double.enqueue(reply.text('Three people again.'));
    await s.gql(REPROCESS, { ids: [artefactId] }, token);
    await until(reprocessed(artefactId));
    const again = await faces();
    expect(again).toHaveLength(3); // the kept faces are not found a second time
    expect(again.find((f) => f.id === placed.id)).toMatchObject({ assignment: 'HUMAN', figure: { label: 'Left' } });
    expect(again.find((f) => f.id === named.id)).toMatchObject({ figure: { id: named.figure?.id, label: 'Middle' } });
    // The machine's own face was replaced by the new run's, and its unnamed figure did not pile up.
    const replaced = again.find((f) => f.id !== placed.id && f.id !== named.id);
    expect(replaced?.id).not.toBe(machine.id);
    expect(replaced?.assignment).toBe('NEW');
  });

  it('re-derives Simplified Chinese and the offline entities when a person edits the text they come from', async () => {
    const { artefactId } = await upload('minutes-page.jpg', 'MM');
    await edit(artefactId, { transcription: '總商會議事' });
    expect((await history(artefactId, 'simplified')).fieldHistory.at(-1)).toMatchObject({ value: '总商会议事', origin: 'MACHINE', step: 'derive.simplified', current: true });
    await edit(artefactId, { translation: 'The Chamber met in Singapore.' });
    const entities = (await history(artefactId, 'entities')).fieldHistory.at(-1) as Version;
    expect(entities).toMatchObject({ origin: 'MACHINE', step: 'derive.entities', current: true });
    expect(JSON.parse(entities.value ?? '[]')).toContainEqual({ text: 'Singapore', label: 'LOCATION', source: 'offline-en' });
    // A derived field a person wrote stays theirs.
    await edit(artefactId, { simplified: '人工简体' });
    await edit(artefactId, { transcription: '總商會議事錄' });
    const simplified = (await history(artefactId, 'simplified')).fieldHistory;
    expect(simplified.filter((v) => v.current)).toEqual([expect.objectContaining({ value: '人工简体', origin: 'HUMAN' })]);
    expect(simplified.at(-1)).toMatchObject({ value: '总商会议事录', origin: 'MACHINE', current: false });
  });
});
