import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../resolvers/ids.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';

const NAMES = ['delta', 'Alpha', 'charlie', 'bravo', 'echo', 'Foxtrot', 'golf'];
const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $orderBy: ArtefactOrder, $filter: ArtefactFilter) {
  artefacts(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
    edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
type Page = { edges: { cursor: string; node: { id: string; name: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string } };

let s: TestServer;
let token: string;
const ids = new Map<string, string>();

const page = async (vars: Record<string, unknown>): Promise<Page> => {
  const r = await s.gql<{ artefacts: Page }>(PAGE, vars, token);
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  return r.body.data?.artefacts as Page;
};

/** Every name, walking forward three at a time, then backward three at a time from the end. */
async function walk(orderBy: Record<string, string>, filter: Record<string, unknown> = { kind: 'MM' }): Promise<{ forward: string[]; backward: string[] }> {
  const forward: string[] = [];
  for (let after: string | null = null, more = true; more; ) {
    const p: Page = await page({ first: 3, after, orderBy, filter });
    forward.push(...p.edges.map((e) => e.node.name));
    ({ hasNextPage: more, endCursor: after } = p.pageInfo);
  }
  const backward: string[] = [];
  for (let before: string | null = null, more = true; more; ) {
    const p: Page = await page({ last: 3, before, orderBy, filter });
    backward.unshift(...p.edges.map((e) => e.node.name));
    ({ hasPreviousPage: more, startCursor: before } = p.pageInfo);
  }
  return { forward, backward };
}

beforeAll(async () => {
  s = await startServer();
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777777' } }).png().toBuffer();
  const sha = (await s.core.store.files.putImage(png)).sha256;
  NAMES.forEach((name, i) => {
    const a = s.core.store.artefacts.create({ name, originalFilename: null, fileSha256: sha, kind: 'MM', kindSource: 'CLASSIFIER', createdBy: null });
    // A day apart, oldest first in creation order.
    s.core.store.db.query('UPDATE artefacts SET created_at = ?, updated_at = ? WHERE id = ?').run(`2026-01-0${i + 1}T00:00:00.000Z`, `2026-01-0${i + 1}T00:00:00.000Z`, a.id);
    ids.set(name, toGlobalId('Artefact', a.id));
  });
}, 60_000);
afterAll(() => s.close());

describe('sorting with cursors both ways', () => {
  it('sorts by name either way, case-insensitively, the same forward and backward', async () => {
    const sorted = [...NAMES].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    expect(await walk({ by: 'NAME', direction: 'ASC' })).toEqual({ forward: sorted, backward: sorted });
    const reversed = [...sorted].reverse();
    expect(await walk({ by: 'NAME', direction: 'DESC' })).toEqual({ forward: reversed, backward: reversed });
  });

  it('sorts by creation, newest first on asking, and by the last change', async () => {
    expect(await walk({ by: 'CREATED', direction: 'DESC' })).toEqual({ forward: [...NAMES].reverse(), backward: [...NAMES].reverse() });
    await s.gql('mutation($a: ID!) { updateArtefact(artefactId: $a, input: { fields: [{ name: SUMMARY, value: "edited" }] }) { id } }', { a: ids.get('charlie') }, token);
    const { forward } = await walk({ by: 'UPDATED', direction: 'DESC' });
    expect(forward[0]).toBe('charlie');
    expect(forward.slice(1)).toEqual([...NAMES].reverse().filter((n) => n !== 'charlie'));
  });

  it('keeps its place when rows are added before the cursor', async () => {
    const first = await page({ first: 2, orderBy: { by: 'NAME', direction: 'ASC' }, filter: { kind: 'MM' } });
    expect(first.edges.map((e) => e.node.name)).toEqual(['Alpha', 'bravo']);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777777' } }).png().toBuffer();
    const added = s.core.store.artefacts.create({ name: 'aardvark', originalFilename: null, fileSha256: (await s.core.store.files.putImage(png)).sha256, kind: 'HF', kindSource: null, createdBy: null });
    const next = await page({ first: 2, after: first.pageInfo.endCursor, orderBy: { by: 'NAME', direction: 'ASC' } });
    expect(next.edges.map((e) => e.node.name)).toEqual(['charlie', 'delta']);
    s.core.store.artefacts.delete(added.id);
  });

  it('refuses a cursor from another order', async () => {
    const byName = await page({ first: 2, orderBy: { by: 'NAME', direction: 'ASC' } });
    const r = await s.gql(PAGE, { first: 2, after: byName.pageInfo.endCursor }, token);
    expect(r.body.errors?.[0]).toMatchObject({ message: 'Invalid cursor', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('puts the best match of a search first with RELEVANCE', async () => {
    await s.gql('mutation($a: ID!) { updateArtefact(artefactId: $a, input: { fields: [{ name: TRANSCRIPTION, value: "商務總會議事 一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十" }] }) { id } }', { a: ids.get('bravo') }, token);
    await s.gql('mutation($a: ID!) { updateArtefact(artefactId: $a, input: { fields: [{ name: TRANSCRIPTION, value: "商務總會 商務總會 商務總會" }] }) { id } }', { a: ids.get('golf') }, token);
    const names = async (direction: string) =>
      (await page({ first: 10, orderBy: { by: 'RELEVANCE', direction }, filter: { search: '商務總會' } })).edges.map((e) => e.node.name);
    expect(await names('ASC')).toEqual(['golf', 'bravo']);
    expect(await names('DESC')).toEqual(['bravo', 'golf']);
  });
});

describe('sorting the other lists people browse', () => {
  it('sorts categories, books, figures and batches by name both ways, with cursors', async () => {
    const store = s.core.store;
    for (const name of ['Trade', 'charity', 'Banquets']) store.categories.create({ name, description: null });
    for (const title of ['Minute book 1910', 'annual reports', 'Minute book 1906']) store.books.create({ title, subtitle: null });
    for (const label of ['Tan Kah Kee', 'lim Nee Soon', null]) store.figures.create({ label, headshotSha256: null, origin: 'SEED' });
    const lists = [
      { field: 'categories', name: 'name', want: ['Banquets', 'charity', 'Trade'] },
      { field: 'books', name: 'title', want: ['annual reports', 'Minute book 1906', 'Minute book 1910'] },
      { field: 'figures', name: 'label', want: [null, 'lim Nee Soon', 'Tan Kah Kee'] },
    ];
    for (const { field, name, want } of lists) {
      const query = `query($after: String, $before: String, $first: Int, $last: Int, $o: ListOrder) { ${field}(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {
        nodes { ${name} } pageInfo { endCursor startCursor } } }`;
      type Listed = Record<string, { nodes: Record<string, string | null>[]; pageInfo: { endCursor: string; startCursor: string } }>;
      const read = async (vars: Record<string, unknown>) => (await s.gql<Listed>(query, vars, token)).body.data?.[field];
      const first = await read({ first: 2, o: { by: 'NAME', direction: 'ASC' } });
      const rest = await read({ first: 2, after: first?.pageInfo.endCursor, o: { by: 'NAME', direction: 'ASC' } });
      expect([...(first?.nodes ?? []), ...(rest?.nodes ?? [])].map((n) => n[name]), field).toEqual(want);
      const last = await read({ last: 2, o: { by: 'NAME', direction: 'DESC' } });
      expect(last?.nodes.map((n) => n[name]), field).toEqual([want[1], want[0]]);
    }
    const batches = await s.gql<{ batches: { nodes: { name: string }[] } }>('{ batches(orderBy: { by: CREATED, direction: DESC }) { nodes { name } } }', {}, token);
    expect(batches.body.errors).toBeUndefined();
  });
});

describe('filters', () => {
  it('by creation date', async () => {
    const r = await page({ first: 10, filter: { kind: 'MM', createdAfter: '2026-01-03T00:00:00.000Z', createdBefore: '2026-01-05T00:00:00.000Z' } });
    expect(r.edges.map((e) => e.node.name)).toEqual(['charlie', 'bravo']);
  });

  it('by origin: what people wrote, and what only the machine did', async () => {
    const human = (await page({ first: 10, filter: { kind: 'MM', origin: 'HUMAN' } })).edges.map((e) => e.node.name);
    expect(human.sort()).toEqual(['bravo', 'charlie', 'golf']);
    const machine = (await page({ first: 10, filter: { kind: 'MM', origin: 'MACHINE' } })).edges.map((e) => e.node.name);
    expect(machine.sort()).toEqual(['Alpha', 'Foxtrot', 'delta', 'echo']);
  });

  it('by what needs review: an unsure face, a failed step, a doubtful reading', async () => {
    const local = (name: string) => Buffer.from(ids.get(name) as string, 'base64url').toString().split(':')[1] as string;
    const figure = s.core.store.figures.create({ label: null, headshotSha256: null, origin: 'SEED' });
    const face = s.core.store.figures.addFace({ artefactId: local('delta'), sourceSha256: null, figureId: null, box: { x: 1, y: 1, w: 4, h: 4 }, assignment: 'AUTO' });
    s.core.store.figures.suggest(face.id, figure.id);
    s.core.store.db.query("UPDATE faces SET assignment = 'SUGGESTED' WHERE id = ?").run(face.id);
    s.core.store.artefacts.writeFields(local('echo'), [{ field: 'transcription', value: '模糊', origin: 'MACHINE', step: 'ocr.read', model: 'test', confidence: 0.3 }]);
    const needs = (await page({ first: 10, filter: { kind: 'MM', needsReview: true } })).edges.map((e) => e.node.name);
    expect(needs.sort()).toEqual(['delta', 'echo']);
    const rest = (await page({ first: 10, filter: { kind: 'MM', needsReview: false } })).edges.map((e) => e.node.name);
    expect(rest).not.toContain('delta');
    expect(rest).toHaveLength(NAMES.length - 2);
  });

  it('by batch stage', async () => {
    await uploadFiles(s.url, token, 'mutation($files: [Upload!]!) { createBatch(name: "pending", files: $files, kind: HF) { batch { id } } }', {}, [
      { name: 'pending.png', data: readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')) },
    ]);
    const r = await page({ first: 10, filter: { batchStage: 'UPLOAD_PENDING' } });
    expect(r.edges.map((e) => e.node.name)).toEqual(['pending']);
    expect((await page({ first: 10, filter: { batchStage: 'VETTING' } })).edges).toEqual([]);
  });
});

describe('search finds what people type', () => {
  it('finds a figure in either script, and the photos it appears in by its name', async () => {
    const figure = s.core.store.figures.create({ label: '陳六使', headshotSha256: null, origin: 'HUMAN' });
    const photo = Buffer.from(ids.get('Foxtrot') as string, 'base64url').toString().split(':')[1] as string;
    s.core.store.figures.addFace({ artefactId: photo, sourceSha256: null, figureId: figure.id, box: { x: 1, y: 1, w: 4, h: 4 }, assignment: 'HUMAN' });
    for (const typed of ['陈六使', '陳六使', '六使']) {
      const figures = await s.gql<{ figures: { nodes: { label: string }[] } }>('query($q: String!) { figures(search: $q) { nodes { label } } }', { q: typed }, token);
      expect(figures.body.data?.figures.nodes, typed).toEqual([{ label: '陳六使' }]);
      expect((await page({ first: 10, filter: { search: typed } })).edges.map((e) => e.node.name), typed).toEqual(['Foxtrot']);
    }
  });

  it('reads the audit log newest first on asking', async () => {
    const entries = async (direction: string) =>
      (await s.gql<{ auditLog: { nodes: { id: string }[] } }>('query($d: OrderDirection) { auditLog(first: 100, direction: $d) { nodes { id } } }', { d: direction }, token)).body.data?.auditLog.nodes.map((n) => Number(n.id)) ?? [];
    const ascending = await entries('ASC');
    expect(ascending.length).toBeGreaterThan(3);
    expect(await entries('DESC')).toEqual([...ascending].reverse());
  });
});
