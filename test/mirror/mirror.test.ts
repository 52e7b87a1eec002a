import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobalId } from '../../resolvers/ids.js';
import { FACE_EMBEDDER_MODEL } from '../../src/pipelines/faces/embed.js';
import { batchOf, until } from '../support/batches.js';
import { CloudStorage } from '../support/cloud-storage.js';
import { collection, mirrorEnv } from '../support/mirror.js';
import { RealtimeDatabase } from '../support/realtime-database.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

const local = (globalId: string): string => parseGlobalId(globalId)?.id as string;

const STATUS = `{ mirrorStatus { enabled connected outboxLength oldestPendingAt oldestPendingAgeSeconds lastError { message at } lastSuccessAt } }`;
interface Status {
  enabled: boolean;
  connected: boolean;
  outboxLength: number;
  oldestPendingAt: string | null;
  oldestPendingAgeSeconds: number | null;
  lastError: { message: string; at: string } | null;
  lastSuccessAt: string | null;
}

describe('the Firebase mirror', () => {
  let database: RealtimeDatabase;
  let storage: CloudStorage;
  let server: TestServer;
  let token: string;

  const status = async (): Promise<Status> => (await server.gql<{ mirrorStatus: Status }>(STATUS, {}, token)).body.data?.mirrorStatus as Status;
  const synced = () => until(async () => (await status()).outboxLength === 0, 30_000);
  const createCategory = async (name: string): Promise<string> => {
    const r = await server.gql<{ createCategory: { id: string } }>('mutation($n: String!) { createCategory(input: { name: $n }) { id } }', { n: name }, token);
    return local(r.body.data?.createCategory.id as string);
  };
  const renameCategory = (id: string, name: string) =>
    server.gql('mutation($c: ID!, $n: String!) { updateCategory(categoryId: $c, input: { name: $n }) { id } }', { c: Buffer.from(`Category:${id}`).toString('base64url'), n: name }, token);

  beforeAll(async () => {
    database = await RealtimeDatabase.start();
    storage = await CloudStorage.start();
    server = await startServer(mirrorEnv(database, storage, { MIRROR_BATCH_SIZE: '5' }));
    token = await server.signIn(SUPERUSER.username, SUPERUSER.password);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.close();
    await storage?.close();
  });

  it('sends what was there at its first start, users without secrets', async () => {
    await synced();
    expect(await database.value('meta')).toEqual({ format: 1 });
    const users = Object.values(await collection(database, 'users'));
    expect(users.map((u) => u.username)).toEqual([SUPERUSER.username]);
    expect(users[0]).toMatchObject({ email: SUPERUSER.email, role: 'SUPERUSER', firstName: 'ArchAIve' });
    expect(JSON.stringify(users)).not.toMatch(/password|lastSignIn/i);
    const s = await status();
    expect(s).toMatchObject({ enabled: true, connected: true, outboxLength: 0, oldestPendingAt: null, oldestPendingAgeSeconds: null });
    expect(Date.parse(s.lastSuccessAt as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('sends an upload: the artefact, its file record and its bytes in the bucket, once', async () => {
    const data = readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png'));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const { artefactId } = await batchOf(server, token, 'panel.png', data, 'HF');
    await server.gql(
      'mutation($a: ID!) { updateArtefact(artefactId: $a, input: { fields: [{ name: CAPTION, value: "Five at the table" }] }) { id } }',
      { a: artefactId },
      token,
    );
    await synced();
    const artefact = (await collection(database, 'artefacts'))[local(artefactId)];
    expect(artefact).toMatchObject({ kind: 'HF', fileSha256: sha256, fields: { caption: { value: 'Five at the table', origin: 'HUMAN', version: 1 } } });
    expect(await database.value(`files/${sha256}`)).toMatchObject({ mime: 'image/png', bytes: data.length });
    expect(storage.objects.get(`files/${sha256}`)?.data.equals(data)).toBe(true);
    expect(storage.uploads.get(`files/${sha256}`)).toBe(1);
    // No null fields and no empty maps: RTDB would drop them, so the mirror never sends them.
    expect(JSON.stringify(artefact)).not.toContain('null');
    const batches = Object.values(await collection(database, 'batches'));
    expect(batches[0]).toMatchObject({ stage: 'UPLOAD_PENDING', entries: { [local(artefactId)]: { position: 1, status: 'UNPROCESSED' } } });
  });

  it('sends everything again after the bucket was lost, uploading its files again', async () => {
    const data = readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png'));
    const name = `files/${createHash('sha256').update(data).digest('hex')}`;
    storage.wipe();
    expect(server.core.mirror.rebuild()).toBeGreaterThan(3);
    await synced();
    expect(storage.objects.get(name)?.data.equals(data)).toBe(true);
    expect(storage.uploads.get(name)).toBe(2);
  });

  it('backs off while the bucket refuses, reports it, and sends once it accepts', async () => {
    storage.refusals = 3;
    const data = readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg'));
    const { artefactId } = await batchOf(server, token, 'minutes.jpg', data, 'MM');
    await synced();
    expect(storage.refusals).toBe(0);
    // Nothing was given up: the file and the documents went once the bucket accepted.
    expect(storage.objects.get(`files/${createHash('sha256').update(data).digest('hex')}`)?.data.equals(data)).toBe(true);
    expect((await collection(database, 'artefacts'))[local(artefactId)]).toMatchObject({ kind: 'MM' });
    const s = await status();
    expect(s.lastError?.message).toMatch(/refused/);
    expect(Date.parse(s.lastSuccessAt as string)).toBeGreaterThan(Date.parse(s.lastError?.at as string));
  });

  it('propagates deletes: a category, and an artefact with its place in a category', async () => {
    const { artefactId } = await batchOf(server, token, 'group.png', readFileSync(path.join(SAMPLES_DIR, 'group-photo.png')), 'HF');
    const keep = await createCategory('Kept');
    const gone = await createCategory('Gone');
    const member = await server.gql(
      'mutation($c: ID!, $a: ID!) { setCategoryMember(categoryId: $c, artefactId: $a, member: true, reason: "the panel") { id } }',
      { c: Buffer.from(`Category:${keep}`).toString('base64url'), a: artefactId },
      token,
    );
    expect(member.body.errors).toBeUndefined();
    await synced();
    expect((await collection(database, 'categories'))[keep]).toMatchObject({ name: 'Kept', members: { [local(artefactId)]: { reason: 'the panel', placedBy: 'HUMAN' } } });
    expect((await collection(database, 'categories'))[gone]).toMatchObject({ name: 'Gone' });

    await server.gql('mutation($c: ID!) { deleteCategory(categoryId: $c) }', { c: Buffer.from(`Category:${gone}`).toString('base64url') }, token);
    await server.gql('mutation($a: ID!) { deleteArtefact(artefactId: $a) }', { a: artefactId }, token);
    await synced();
    const categories = await collection(database, 'categories');
    expect(categories[gone]).toBeUndefined();
    // The category stays, without the members map RTDB would drop once empty.
    expect(categories[keep]).toEqual(expect.objectContaining({ name: 'Kept' }));
    expect(categories[keep]?.members).toBeUndefined();
    expect((await collection(database, 'artefacts'))[local(artefactId)]).toBeUndefined();

    // Once the deleted scan is collected (FILE_RETENTION_HOURS), its record and its object go too.
    const sha256 = createHash('sha256').update(readFileSync(path.join(SAMPLES_DIR, 'group-photo.png'))).digest('hex');
    expect(server.core.store.files.collectUnreferenced(new Date(Date.now() + 1000))).toBeGreaterThan(0);
    await synced();
    expect(await database.value(`files/${sha256}`)).toBeNull();
    expect(storage.objects.has(`files/${sha256}`)).toBe(false);
  });

  it('mirrors figures with their faces; a face no figure holds stays with its artefact until it is given one', async () => {
    const { artefactId } = await batchOf(server, token, 'faces.png', readFileSync(path.join(SAMPLES_DIR, 'group-photo.png')), 'HF');
    const store = server.core.store;
    // Written as the face identifier writes them: the triggers follow any write path.
    const figure = store.figures.create({ label: 'Lee Wai-man', headshotSha256: null, origin: 'HUMAN' });
    const embedding = new Float32Array([0.5, -1, 0, 1]);
    const named = store.figures.addFace({
      artefactId: local(artefactId), sourceSha256: null, figureId: figure.id, box: { x: 10, y: 20, w: 30, h: 40 },
      embedding, embeddingModel: FACE_EMBEDDER_MODEL, isExemplar: true, assignment: 'HUMAN', similarity: 1,
    });
    const loose = store.figures.addFace({ artefactId: local(artefactId), sourceSha256: null, figureId: null, box: { x: 0, y: 0, w: 5, h: 5 }, assignment: 'UNASSIGNED' });
    await synced();
    const mirrored = (await collection(database, 'figures'))[figure.id] as { faces: Record<string, { embedding: string }> };
    expect(mirrored).toMatchObject({ label: 'Lee Wai-man', origin: 'HUMAN', faces: { [named.id]: { artefactId: local(artefactId), box: { x: 10, y: 20, w: 30, h: 40 }, exemplar: true, assignment: 'HUMAN', similarity: 1 } } });
    const bytes = Buffer.from(mirrored.faces[named.id]?.embedding as string, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)]).toEqual([...embedding]);
    expect((await collection(database, 'artefacts'))[local(artefactId)]?.faces).toEqual({ [loose.id]: expect.objectContaining({ exemplar: false, assignment: 'UNASSIGNED' }) });

    const moved = await server.gql('mutation($f: ID!, $g: ID) { moveFace(faceId: $f, figureId: $g) { id } }', { f: Buffer.from(`Face:${loose.id}`).toString('base64url'), g: Buffer.from(`Figure:${figure.id}`).toString('base64url') }, token);
    expect(moved.body.errors).toBeUndefined();
    await synced();
    expect(Object.keys(((await collection(database, 'figures'))[figure.id] as { faces: object }).faces).sort()).toEqual([named.id, loose.id].sort());
    expect((await collection(database, 'artefacts'))[local(artefactId)]?.faces).toBeUndefined();
  });

  it('keeps serving while Firebase is down, then converges in order with nothing lost', async () => {
    await synced();
    await database.down();
    const made: string[] = [];
    for (let i = 1; i <= 20; i += 1) made.push(await createCategory(`Down ${String(i).padStart(2, '0')}`));
    for (let i = 1; i <= 25; i += 1) expect((await renameCategory(made[0] as string, `Renamed ${i}`)).body.errors).toBeUndefined();
    for (const id of made.slice(15)) await server.gql('mutation($c: ID!) { deleteCategory(categoryId: $c) }', { c: Buffer.from(`Category:${id}`).toString('base64url') }, token);

    // The outbox holds one entry per document however often it changed; readiness ignores the lag.
    await until(async () => (await status()).connected === false, 10_000);
    const waiting = await status();
    expect(waiting.outboxLength).toBe(20);
    expect(waiting.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    await until(async () => (await status()).lastError !== null, 10_000);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const arrived: string[] = [];
    database.watchAdded('categories', (key) => arrived.push(key));
    await database.up();
    await synced();
    // Sent in the order of the changes, at most five documents (MIRROR_BATCH_SIZE) per atomic write:
    // within one write the order is the server's, so creations may swap places only within five.
    // The first category was renamed after the others were made: its document is sent with its last
    // change, after theirs, so it has no place in the order of creation.
    const renamed = made[0] as string;
    expect(arrived).toContain(renamed);
    const order = arrived.filter((key) => key !== renamed && made.includes(key)).map((key) => made.indexOf(key));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    for (const [i, created] of order.entries()) for (const later of order.slice(i + 1)) expect(created - later).toBeLessThan(5);
    const categories = await collection(database, 'categories');
    expect(categories[made[0] as string]?.name).toBe('Renamed 25');
    for (const [i, id] of made.entries()) {
      if (i === 0) continue;
      if (i >= 15) expect(categories[id]).toBeUndefined();
      else expect(categories[id]?.name).toBe(`Down ${String(i + 1).padStart(2, '0')}`);
    }
    expect((await status()).connected).toBe(true);
  }, 60_000);

  it('applies changes in the order they were made', async () => {
    // Watched through a second client, as any reader of the mirror would see the document change.
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getDatabase } = await import('firebase-admin/database');
    const watcher = initializeApp({ projectId: 'demo-archaive', databaseURL: 'https://demo-archaive.firebaseio.com' }, 'watcher');
    const seen: string[] = [];
    const id = await createCategory('Step 0');
    await synced();
    getDatabase(watcher)
      .ref(`categories/${id}/name`)
      .on('value', (s) => seen.push(String(s.val())));
    await until(async () => seen.length > 0, 10_000);
    for (let i = 1; i <= 30; i += 1) await renameCategory(id, `Step ${i}`);
    await synced();
    await until(async () => seen.at(-1) === 'Step 30', 10_000);
    await deleteApp(watcher);
    const steps = seen.map((name) => Number(name.replace('Step ', '')));
    // Batches coalesce (not every step is seen), but the document never goes back to an older state.
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(30);
  }, 60_000);

  it('sends a profile change but nothing for a password change or a sign-in, and removes a deleted user', async () => {
    const user = await server.userWithRole('VIEWER', 'mirror-viewer');
    await synced();
    expect((await collection(database, 'users'))[local(user.id)]).toMatchObject({ username: 'mirror-viewer', role: 'VIEWER' });
    // Firebase down, so that anything queued would stay in the outbox to be counted.
    await database.down();
    const changed = await server.gql('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { id } }', { c: user.password, n: 'velvet compass meadow 93' }, user.token);
    expect(changed.body.errors).toBeUndefined();
    await server.signIn('mirror-viewer', 'velvet compass meadow 93');
    expect((await status()).outboxLength).toBe(0);
    await database.up();
    await server.gql('mutation { updateProfile(input: { firstName: "Mei" }) { id } }', {}, user.token);
    await synced();
    expect((await collection(database, 'users'))[local(user.id)]).toMatchObject({ firstName: 'Mei' });
    await server.gql('mutation($u: ID!) { deleteUser(userId: $u) }', { u: user.id }, token);
    await synced();
    expect((await collection(database, 'users'))[local(user.id)]).toBeUndefined();
  });

  it('shows its status to the superuser only', async () => {
    const archivist = await server.userWithRole('ARCHIVIST', 'mirror-archivist');
    const refused = await server.gql(STATUS, {}, archivist.token);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(STATUS))).toBe('UNAUTHENTICATED');
  });
});

describe('the Firebase mirror, off', () => {
  it('is disabled without FIREBASE_* and queues nothing', async () => {
    const server = await startServer();
    try {
      const token = await server.signIn(SUPERUSER.username, SUPERUSER.password);
      await server.gql('mutation { createCategory(input: { name: "Local only" }) { id } }', {}, token);
      const r = await server.gql<{ mirrorStatus: Status }>(STATUS, {}, token);
      expect(r.body.data?.mirrorStatus).toEqual({
        enabled: false,
        connected: false,
        outboxLength: 0,
        oldestPendingAt: null,
        oldestPendingAgeSeconds: null,
        lastError: null,
        lastSuccessAt: null,
      });
      expect(server.core.store.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM mirror_outbox').get()?.n).toBe(0);
    } finally {
      await server.close();
    }
  });
});
