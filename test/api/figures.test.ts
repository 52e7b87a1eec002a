import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../resolvers/ids.js';
import { headshotJpeg } from '../../src/pipelines/faces/crop.js';
import { decodeRgb } from '../../src/pipelines/faces/image.js';
import type { Box, FaceAssignment } from '../../src/store/repositories/figures.js';
import { codeOf, startServer, SUPERUSER, type GqlResult, type TestServer } from '../support/server.js';

const EMBEDDER = 'test-embedder';

interface FaceView {
  id: string;
  assignment: FaceAssignment;
  untagged: boolean;
  box: Box;
  figure: { id: string; label: string | null } | null;
  suggestedFigure: { id: string } | null;
}

interface ChangeView {
  id: string;
  kind: string;
  summary: string;
  actor: { username: string } | null;
  actorName: string;
  at: string;
  undone: boolean;
  undoneAt: string | null;
  undoneBy: { username: string } | null;
  faces: { id: string }[];
}

const FACE = 'id assignment untagged box { x y w h } figure { id label } suggestedFigure { id }';
const FIGURE = `id label named origin createdAt updatedAt headshot { sha256 width height mime } faces { ${FACE} }`;
const CHANGE = 'id kind summary actor { username } actorName at undone undoneAt undoneBy { username } faces { id }';

describe('figure changes over GraphQL: undo, untag, headshots', () => {
  let s: TestServer;
  let archivist: string;
  let viewer: string;
  let photoSha: string;
  let otherHeadshot: string;
  let counter = 0;

  beforeAll(async () => {
    s = await startServer();
    await s.signIn(SUPERUSER.username, SUPERUSER.password);
    archivist = (await s.userWithRole('ARCHIVIST', 'curator')).token;
    viewer = (await s.userWithRole('VIEWER', 'reader')).token;
    // A photo whose every region differs, so a crop identifies the box it was cut from.
    const width = 320;
    const height = 240;
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919 + (i >> 7) * 31) % 251;
    photoSha = (await s.core.store.files.putImage(await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer())).sha256;
    const plain = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().toBuffer();
    otherHeadshot = (await s.core.store.files.putImage(plain)).sha256;
  });
  afterAll(() => s.close());

  /** Runs an operation and returns its data, failing the test on any error. */
  async function ok<T>(query: string, variables: Record<string, unknown> = {}, token = archivist): Promise<T> {
    const r = await s.gql<T>(query, variables, token);
    if (r.body.errors || !r.body.data) throw new Error(JSON.stringify(r.body.errors));
    return r.body.data;
  }

  /**
   * A small world of its own per test: one photo with faces on three figures ("<tag> Alice" with a
   * headshot and two faces, "<tag> Bob" with one, an unnamed one with one), and a face suggested for Alice.
   */
  function world() {
    const tag = `W${(counter += 1)}`;
    const store = s.core.store;
    const artefact = store.artefacts.create({ name: `${tag} photo`, originalFilename: null, fileSha256: photoSha, kind: 'HF', createdBy: null });
    const alice = store.figures.create({ label: `${tag} Alice`, headshotSha256: otherHeadshot, origin: 'SEED' });
    const bob = store.figures.create({ label: `${tag} Bob`, headshotSha256: null, origin: 'PIPELINE' });
    const unnamed = store.figures.create({ label: null, headshotSha256: null, origin: 'PIPELINE' });
    const face = (x: number, figureId: string | null, assignment: FaceAssignment, suggestedFigureId: string | null = null) =>
      store.figures.addFace({
        artefactId: artefact.id,
        sourceSha256: photoSha,
        figureId,
        box: { x, y: 60, w: 40, h: 48 },
        detectorScore: 0.9,
        embedding: new Float32Array(128).fill(x / 1000),
        embeddingModel: EMBEDDER,
        isExemplar: figureId !== null,
        assignment,
        similarity: 0.7,
        suggestedFigureId,
      }).id;
    const faces = {
      alice1: face(20, alice.id, 'AUTO'),
      alice2: face(80, alice.id, 'HUMAN'),
      bob: face(140, bob.id, 'NEW'),
      unnamed: face(200, unnamed.id, 'NEW'),
      suggested: face(260, null, 'SUGGESTED', alice.id),
    };
    const g = (type: 'Figure' | 'Face', id: string) => toGlobalId(type, id);
    return {
      tag,
      artefactId: artefact.id,
      figures: { alice: g('Figure', alice.id), bob: g('Figure', bob.id), unnamed: g('Figure', unnamed.id) },
      faces: Object.fromEntries(Object.entries(faces).map(([k, id]) => [k, g('Face', id)])) as Record<keyof typeof faces, string>,
      localFaces: faces,
    };
  }

  type World = ReturnType<typeof world>;

  /** Everything a change could touch, as the API and the matcher see it. */
  async function snapshot(w: World, extraFigures: string[] = []) {
    const ids = [...Object.values(w.figures), ...extraFigures, toGlobalId('Artefact', w.artefactId)];
    const data = await ok<{ nodes: ({ id: string; faces: FaceView[] } | null)[] }>(
      `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Figure { ${FIGURE} } ... on Artefact { id faces { ${FACE} } } } }`,
      { ids },
    );
    const nodes = data.nodes.map((n) => (n === null ? null : { ...n, faces: [...n.faces].sort((a, b) => a.id.localeCompare(b.id)) }));
    const rows = s.core.store.figures.facesOfArtefacts([w.artefactId]).map((f) => ({ id: f.id, isExemplar: f.isExemplar }));
    return { nodes, rows };
  }

  /** The changes that touched a figure, through the query that also reaches figures deleted since. */
  async function changesOf(figureId: string, args = 'first: 20'): Promise<ChangeView[]> {
    const data = await ok<{ figureChanges: { nodes: ChangeView[] } }>(
      `query($id: ID!) { figureChanges(figureId: $id, ${args}) { nodes { ${CHANGE} } } }`,
      { id: figureId },
    );
    return data.figureChanges.nodes;
  }

  const latestChange = async (figureId: string): Promise<ChangeView> => (await changesOf(figureId, 'first: 1'))[0] as ChangeView;

  const undo = (changeId: string, token = archivist): Promise<GqlResult<{ undoFigureChange: ChangeView }>> =>
    s.gql<{ undoFigureChange: ChangeView }>(`mutation($id: ID!) { undoFigureChange(changeId: $id) { ${CHANGE} } }`, { id: changeId }, token);

  async function undoOk(changeId: string): Promise<ChangeView> {
    const r = await undo(changeId);
    if (r.body.errors || !r.body.data) throw new Error(JSON.stringify(r.body.errors));
    return r.body.data.undoFigureChange;
  }

  const label = (id: string, value: string | null) => ok(`mutation($id: ID!, $l: String) { labelFigure(figureId: $id, label: $l) { id } }`, { id, l: value });
  const moveFace = (faceId: string, figureId?: string) =>
    ok<{ moveFace: FaceView }>(`mutation($f: ID!, $t: ID) { moveFace(faceId: $f, figureId: $t) { ${FACE} } }`, { f: faceId, t: figureId ?? null });

  /** The headshot a face should get: its box cut from the original photo, as the pipeline cuts them. */
  async function expectedHeadshot(box: Box): Promise<string> {
    const photo = await decodeRgb(await s.core.store.files.read(photoSha));
    const jpeg = await headshotJpeg(photo, { x: box.x, y: box.y, width: box.w, height: box.h });
    const { createHash } = await import('node:crypto');
    return createHash('sha256').update(jpeg).digest('hex');
  }

  it('undoes a label back to the old one exactly', async () => {
    const w = world();
    const before = await snapshot(w);
    await label(w.figures.alice, `${w.tag} Alicia`);
    expect((await snapshot(w)).nodes[0]).toMatchObject({ label: `${w.tag} Alicia` });
    const change = await latestChange(w.figures.alice);
    expect(change).toMatchObject({ kind: 'LABEL', actor: { username: 'curator' }, actorName: 'curator', undone: false });
    expect(change.summary).toBe(`Renamed "${w.tag} Alice" to "${w.tag} Alicia"`);
    const undone = await undoOk(change.id);
    expect(undone).toMatchObject({ id: change.id, undone: true, undoneBy: { username: 'curator' } });
    expect(await snapshot(w)).toEqual(before);
  });

  it('undoes a merge: the faces back to the figure they came from, that figure back with its label and headshot', async () => {
    const w = world();
    const before = await snapshot(w);
    const merged = await ok<{ mergeFigures: { headshot: { sha256: string } | null; faces: { id: string }[] } }>(
      'mutation($i: ID!, $f: ID!) { mergeFigures(intoFigureId: $i, fromFigureId: $f) { headshot { sha256 } faces { id } } }',
      { i: w.figures.unnamed, f: w.figures.alice },
    );
    // The unnamed figure took Alice's faces and, having none, her headshot; the suggestion followed.
    expect(merged.mergeFigures.headshot?.sha256).toBe(otherHeadshot);
    expect(merged.mergeFigures.faces).toHaveLength(3);
    const during = await snapshot(w);
    expect(during.nodes[0]).toBeNull();
    expect(during.nodes[3]?.faces.find((f) => f.id === w.faces.suggested)?.suggestedFigure?.id).toBe(w.figures.unnamed);
    const change = await latestChange(w.figures.unnamed);
    expect(change.kind).toBe('MERGE');
    expect(change.faces.map((f) => f.id).sort()).toEqual([w.faces.alice1, w.faces.alice2].sort());
    // Listed on the figure merged away too, so its history can be found by its id.
    expect((await latestChange(w.figures.alice)).id).toBe(change.id);
    await undoOk(change.id);
    expect(await snapshot(w)).toEqual(before);
  });

  it('undoes a move to another figure: the face back where it was, with its previous assignment', async () => {
    const w = world();
    const before = await snapshot(w);
    const moved = await moveFace(w.faces.alice1, w.figures.bob);
    expect(moved.moveFace).toMatchObject({ assignment: 'HUMAN', figure: { id: w.figures.bob } });
    const change = await latestChange(w.figures.bob);
    expect(change).toMatchObject({ kind: 'MOVE_FACE', faces: [{ id: w.faces.alice1 }] });
    expect((await latestChange(w.figures.alice)).id).toBe(change.id);
    await undoOk(change.id);
    const after = await snapshot(w);
    expect(after).toEqual(before);
    expect(after.nodes[3]?.faces.find((f) => f.id === w.faces.alice1)?.assignment).toBe('AUTO');
  });

  it('gives a split its face as headshot, and undoes the split: the new figure goes, the face goes back', async () => {
    const w = world();
    const before = await snapshot(w);
    const split = await ok<{ moveFace: FaceView & { figure: { id: string; label: string | null; origin: string; headshot: { sha256: string; width: number; height: number; mime: string } | null } } }>(
      `mutation($f: ID!) { moveFace(faceId: $f) { id assignment figure { id label origin headshot { sha256 width height mime } } } }`,
      { f: w.faces.alice2 },
    );
    const made = split.moveFace.figure;
    expect(made).toMatchObject({ label: null, origin: 'HUMAN', headshot: { width: 160, height: 160, mime: 'image/jpeg' } });
    expect(made.headshot?.sha256).toBe(await expectedHeadshot({ x: 80, y: 60, w: 40, h: 48 }));
    const change = await latestChange(made.id);
    expect(change.kind).toBe('MOVE_FACE');
    await undoOk(change.id);
    expect(await snapshot(w)).toEqual(before);
    expect((await ok<{ node: unknown }>('query($id: ID!) { node(id: $id) { id } }', { id: made.id })).node).toBeNull();
  });

  it('undoes a deletion: the figure back with its label, headshot and faces, and the suggestions of it', async () => {
    const w = world();
    const before = await snapshot(w);
    await ok('mutation($id: ID!) { deleteFigure(figureId: $id) }', { id: w.figures.alice });
    const during = await snapshot(w);
    expect(during.nodes[0]).toBeNull();
    expect(during.nodes[3]?.faces.filter((f) => f.figure === null && f.assignment === 'UNASSIGNED').map((f) => f.id).sort()).toEqual(
      [w.faces.alice1, w.faces.alice2].sort(),
    );
    const change = await latestChange(w.figures.alice);
    expect(change).toMatchObject({ kind: 'DELETE', summary: `Deleted "${w.tag} Alice"; its 2 faces left unassigned` });
    await undoOk(change.id);
    expect(await snapshot(w)).toEqual(before);
  });

  it('untags a wrong face: on no figure, no exemplar, kept by processing, and the untag can be undone', async () => {
    const w = world();
    const store = s.core.store;
    const aliceId = w.figures.alice;
    const exemplarsOfAlice = () => store.figures.exemplars(EMBEDDER).filter((e) => toGlobalId('Figure', e.figureId) === aliceId).length;
    expect(exemplarsOfAlice()).toBe(2);
    const before = await snapshot(w);
    const untagged = await ok<{ untagFace: FaceView }>(`mutation($f: ID!) { untagFace(faceId: $f) { ${FACE} } }`, { f: w.faces.alice1 });
    expect(untagged.untagFace).toMatchObject({ assignment: 'HUMAN', untagged: true, figure: null, suggestedFigure: null });
    expect(exemplarsOfAlice()).toBe(1);
    const alice = (await snapshot(w)).nodes[0];
    expect(alice?.faces.map((f) => f.id)).toEqual([w.faces.alice2]);
    const change = await latestChange(aliceId);
    expect(change).toMatchObject({ kind: 'UNTAG_FACE', faces: [{ id: w.faces.alice1 }], summary: `Untagged a face from "${w.tag} Alice"` });
    expect(codeOf(await s.gql(`mutation($f: ID!) { untagFace(faceId: $f) { id } }`, { f: w.faces.alice1 }, archivist))).toBe('CONFLICT');
    // An untagged suggestion: a person says it is not the suggested one either.
    const rejected = await ok<{ untagFace: FaceView }>(`mutation($f: ID!) { untagFace(faceId: $f) { ${FACE} } }`, { f: w.faces.suggested });
    expect(rejected.untagFace).toMatchObject({ untagged: true, suggestedFigure: null });
    await undoOk((await latestChange(aliceId)).id);
    await undoOk(change.id);
    expect(await snapshot(w)).toEqual(before);
    expect(exemplarsOfAlice()).toBe(2);
  });

  it('processing again keeps the faces a person placed or untagged and forgets the machine ones', async () => {
    const w = world();
    await moveFace(w.faces.bob, w.figures.alice);
    await ok(`mutation($f: ID!) { untagFace(faceId: $f) { id } }`, { f: w.faces.unnamed });
    s.core.store.figures.clearMachineFaces(w.artefactId);
    await s.core.cache.invalidate(['figures']);
    const { nodes } = await snapshot(w);
    const faces = nodes[3]?.faces ?? [];
    expect(faces.map((f) => f.id).sort()).toEqual([w.faces.alice2, w.faces.bob, w.faces.unnamed].sort());
    expect(faces.find((f) => f.id === w.faces.bob)).toMatchObject({ assignment: 'HUMAN', figure: { id: w.figures.alice } });
    expect(faces.find((f) => f.id === w.faces.unnamed)).toMatchObject({ assignment: 'HUMAN', untagged: true, figure: null });
  });

  it('chooses any face of a figure as its headshot, cut from the original photo, and undoes the choice', async () => {
    const w = world();
    const before = await snapshot(w);
    const chosen = await ok<{ setFigureHeadshot: { headshot: { sha256: string; width: number; height: number } } }>(
      'mutation($fig: ID!, $f: ID!) { setFigureHeadshot(figureId: $fig, faceId: $f) { headshot { sha256 width height } } }',
      { fig: w.figures.alice, f: w.faces.alice2 },
    );
    expect(chosen.setFigureHeadshot.headshot).toEqual({ sha256: await expectedHeadshot({ x: 80, y: 60, w: 40, h: 48 }), width: 160, height: 160 });
    const served = await fetch(`${s.url}/files/${chosen.setFigureHeadshot.headshot.sha256}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(served.status).toBe(200);
    const notHers = await s.gql('mutation($fig: ID!, $f: ID!) { setFigureHeadshot(figureId: $fig, faceId: $f) { id } }', { fig: w.figures.alice, f: w.faces.bob }, archivist);
    expect(codeOf(notHers)).toBe('BAD_USER_INPUT');
    const change = await latestChange(w.figures.alice);
    expect(change.kind).toBe('HEADSHOT');
    await undoOk(change.id);
    expect(await snapshot(w)).toEqual(before);
  });

  it('undoes a change without touching what a later change did to other fields', async () => {
    const w = world();
    await label(w.figures.alice, `${w.tag} Alicia`);
    const rename = await latestChange(w.figures.alice);
    const chosen = await ok<{ setFigureHeadshot: { headshot: { sha256: string } } }>(
      'mutation($fig: ID!, $f: ID!) { setFigureHeadshot(figureId: $fig, faceId: $f) { headshot { sha256 } } }',
      { fig: w.figures.alice, f: w.faces.alice1 },
    );
    await undoOk(rename.id);
    expect((await snapshot(w)).nodes[0]).toMatchObject({ label: `${w.tag} Alice`, headshot: { sha256: chosen.setFigureHeadshot.headshot.sha256 } });
  });

  it('refuses to undo a change twice', async () => {
    const w = world();
    await label(w.figures.bob, `${w.tag} Robert`);
    const change = await latestChange(w.figures.bob);
    await undoOk(change.id);
    const again = await undo(change.id);
    expect(codeOf(again)).toBe('CONFLICT');
    expect(again.body.errors?.[0]?.message).toMatch(/already been undone/);
    expect((await snapshot(w)).nodes[1]).toMatchObject({ label: `${w.tag} Bob` });
  });

  it('refuses an undo that later changes make impossible or unsafe, and allows it once they are undone', async () => {
    const w = world();
    // A face moved again since.
    await moveFace(w.faces.alice1, w.figures.bob);
    const first = await latestChange(w.figures.bob);
    await moveFace(w.faces.alice1, w.figures.unnamed);
    const second = await latestChange(w.figures.unnamed);
    const refused = await undo(first.id);
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.body.errors?.[0]?.message).toMatch(/moved, untagged or reassigned since/);
    await undoOk(second.id);
    await undoOk(first.id);
    expect((await snapshot(w)).nodes[3]?.faces.find((f) => f.id === w.faces.alice1)).toMatchObject({ assignment: 'AUTO', figure: { id: w.figures.alice } });

    // The old name now another figure's.
    await label(w.figures.alice, `${w.tag} Alicia`);
    const rename = await latestChange(w.figures.alice);
    await label(w.figures.unnamed, `${w.tag} Alice`);
    const taken = await undo(rename.id);
    expect(codeOf(taken)).toBe('CONFLICT');
    expect(taken.body.errors?.[0]?.message).toContain(`"${w.tag} Alice" now belongs to another figure`);

    // A figure deleted since.
    await label(w.figures.bob, `${w.tag} Robert`);
    const bobLabel = await latestChange(w.figures.bob);
    await ok('mutation($id: ID!) { deleteFigure(figureId: $id) }', { id: w.figures.bob });
    const gone = await undo(bobLabel.id);
    expect(codeOf(gone)).toBe('CONFLICT');
    expect(gone.body.errors?.[0]?.message).toMatch(/deleted since/);
    expect((await changesOf(w.figures.bob)).map((c) => [c.kind, c.undone])).toEqual([['DELETE', false], ['LABEL', false], ['MOVE_FACE', true], ['MOVE_FACE', true]]);

    // A split whose new figure was named since.
    const split = await moveFace(w.faces.alice2);
    const made = split.moveFace.figure?.id as string;
    const splitChange = await latestChange(made);
    await label(made, `${w.tag} Carol`);
    const named = await undo(splitChange.id);
    expect(codeOf(named)).toBe('CONFLICT');
    expect(named.body.errors?.[0]?.message).toMatch(/named or given another headshot since/);
    await undoOk((await latestChange(made)).id);
    await undoOk(splitChange.id);
  });

  it('lists the changes of a figure newest first, with who, what, when and whether undone, page by page', async () => {
    const w = world();
    await label(w.figures.bob, `${w.tag} Robert`);
    await moveFace(w.faces.alice1, w.figures.bob);
    await ok(`mutation($f: ID!) { untagFace(faceId: $f) { id } }`, { f: w.faces.bob });
    const list = await changesOf(w.figures.bob);
    expect(list.map((c) => c.kind)).toEqual(['UNTAG_FACE', 'MOVE_FACE', 'LABEL']);
    const newest = await ok<{ figureChanges: { nodes: { id: string }[] } }>('{ figureChanges(first: 1) { nodes { id } } }', {}, viewer);
    expect(newest.figureChanges.nodes).toEqual([{ id: list[0]?.id }]);
    expect(list.every((c) => c.actor?.username === 'curator' && !c.undone)).toBe(true);
    expect([...list.map((c) => c.at)].sort().reverse()).toEqual(list.map((c) => c.at));
    await undoOk(list[0]?.id as string);
    const page = await ok<{ node: { changes: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: ChangeView[] } } }>(
      `query($id: ID!) { node(id: $id) { ... on Figure { changes(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { ${CHANGE} } } } } }`,
      { id: w.figures.bob },
      viewer,
    );
    const { changes } = page.node;
    expect(changes.totalCount).toBe(3);
    expect(changes.nodes.map((c) => [c.kind, c.undone])).toEqual([['UNTAG_FACE', true], ['MOVE_FACE', false]]);
    expect(changes.nodes[0]?.undoneAt).not.toBeNull();
    expect(changes.pageInfo.hasNextPage).toBe(true);
    const rest = await ok<{ node: { changes: { nodes: ChangeView[] } } }>(
      `query($id: ID!, $after: String) { node(id: $id) { ... on Figure { changes(first: 2, after: $after) { nodes { kind } } } } }`,
      { id: w.figures.bob, after: changes.pageInfo.endCursor },
      viewer,
    );
    expect(rest.node.changes.nodes.map((c) => c.kind)).toEqual(['LABEL']);
    const oldest = await changesOf(w.figures.bob, 'last: 1');
    expect(oldest.map((c) => c.kind)).toEqual(['LABEL']);
    // A change is a node of its own, so it can be fetched again by id.
    const byId = await ok<{ node: { kind: string } }>('query($id: ID!) { node(id: $id) { ... on FigureChange { kind } } }', { id: list[1]?.id }, viewer);
    expect(byId.node.kind).toBe('MOVE_FACE');
  });

  it('records the undo in the audit log', async () => {
    const w = world();
    await label(w.figures.bob, `${w.tag} Robert`);
    const change = await latestChange(w.figures.bob);
    await undoOk(change.id);
    const audit = await ok<{ auditLog: { nodes: { action: string; targetId: string; detail: { kind: string } }[] } }>(
      '{ auditLog(last: 1, filter: { action: "figure.undo" }) { nodes { action targetId detail } } }',
    );
    expect(audit.auditLog.nodes).toEqual([{ action: 'figure.undo', targetId: change.id, detail: expect.objectContaining({ kind: 'LABEL' }) }]);
  });

  it('lets viewers read changes but not make or undo them', async () => {
    const w = world();
    await label(w.figures.bob, `${w.tag} Robert`);
    const change = await latestChange(w.figures.bob);
    expect(codeOf(await undo(change.id, viewer))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql(`mutation($f: ID!) { untagFace(faceId: $f) { id } }`, { f: w.faces.alice1 }, viewer))).toBe('FORBIDDEN');
    expect(
      codeOf(await s.gql('mutation($fig: ID!, $f: ID!) { setFigureHeadshot(figureId: $fig, faceId: $f) { id } }', { fig: w.figures.alice, f: w.faces.alice1 }, viewer)),
    ).toBe('FORBIDDEN');
    expect(codeOf(await undo(change.id, ''))).toBe('UNAUTHENTICATED');
    expect((await latestChange(w.figures.bob)).undone).toBe(false);
    expect(codeOf(await undo(toGlobalId('FigureChange', 'missing')))).toBe('NOT_FOUND');
    expect(codeOf(await undo(w.figures.bob))).toBe('BAD_USER_INPUT');
  });
});
