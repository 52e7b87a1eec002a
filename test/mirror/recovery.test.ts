import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGlobalId } from '../../resolvers/ids.js';
import { EMBEDDING_DIMENSIONS, FACE_EMBEDDER_MODEL } from '../../src/pipelines/faces/embed.js';
import { batchOf, until } from '../support/batches.js';
import { CloudStorage } from '../support/cloud-storage.js';
import { collection, mirrorEnv, PROJECT } from '../support/mirror.js';
import { RealtimeDatabase } from '../support/realtime-database.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, type TestServer } from '../support/server.js';
import { startServerProcess } from '../support/server-process.js';

const SUPERUSER = { SUPERUSER_USERNAME: 'keeper', SUPERUSER_EMAIL: 'keeper@example.org', SUPERUSER_PASSWORD: 'quiet harbour lantern 42' };

type Body<T> = { data?: T | null; errors?: { message: string }[] };

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Body<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Body<T>;
}

async function signIn(url: string): Promise<string> {
  const r = await gql<{ signIn: { token: string } }>(url, 'mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token } }', {
    i: SUPERUSER.SUPERUSER_USERNAME,
    p: SUPERUSER.SUPERUSER_PASSWORD,
  });
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.signIn.token;
}

const outboxLength = async (url: string, token: string): Promise<number> =>
  (await gql<{ mirrorStatus: { outboxLength: number } }>(url, '{ mirrorStatus { outboxLength } }', {}, token)).data?.mirrorStatus.outboxLength ?? -1;

// What a reader of the catalogue sees, in a form two servers can be compared by.
const CATALOGUE = `{
  artefacts(first: 50) { edges { node { id name kind image { sha256 } caption: field(name: CAPTION) { value origin } } } }
  categories(first: 50) { edges { node { id name description members(first: 50) { edges { node { id } } } } } }
  books(first: 50) { edges { node { id title pages(first: 50) { edges { node { id } } } } } }
  users(first: 50) { edges { node { username role } } }
  figures(first: 50) { edges { node { id label origin faces { id box { x y w h } assignment similarity artefact { id } } } } }
}`;

/**
 * npm run <script> as the operator runs it, against a DATA_DIR, with the mirror's environment; not
 * spawnSync: the doubles it talks to answer from this process's event loop.
 */
async function npmRun(script: string, env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, output };
}

describe('the Firebase mirror across a crash, a lost database and a restore', () => {
  let database: RealtimeDatabase;
  let storage: CloudStorage;
  let env: Record<string, string>;
  // After the crash, the server runs in this process (only the crash needs a process of its own).
  let server: TestServer | undefined;
  const dirs: string[] = [];

  const synced = async (s: TestServer, token: string) =>
    until(async () => (await s.gql<{ mirrorStatus: { outboxLength: number } }>('{ mirrorStatus { outboxLength } }', {}, token)).body.data?.mirrorStatus.outboxLength === 0, 30_000);

  beforeAll(async () => {
    database = await RealtimeDatabase.start();
    storage = await CloudStorage.start();
    env = { ...mirrorEnv(database, storage), ...SUPERUSER };
    // This process watches the mirror as any other client of it would.
    process.env.FIREBASE_DATABASE_EMULATOR_HOST = database.host;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await database?.close();
    await storage?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('sends what was in the outbox when the server was killed, after the restart, none twice in effect', async () => {
    const killed = await startServerProcess(env);
    dirs.push(killed.dataDir);
    let token = await signIn(killed.url);
    await until(async () => (await outboxLength(killed.url, token)) === 0, 30_000);

    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getDatabase } = await import('firebase-admin/database');
    const watcher = initializeApp({ projectId: PROJECT, databaseURL: `https://${PROJECT}.firebaseio.com` }, 'crash-watcher');
    const added = new Map<string, number>();
    const changed: string[] = [];
    const categories = getDatabase(watcher).ref('categories');
    categories.on('child_added', (s) => added.set(s.key as string, (added.get(s.key as string) ?? 0) + 1));
    categories.on('child_changed', (s) => changed.push(s.key as string));

    // Firebase is down: the sender's write waits unacknowledged when the server is killed.
    await database.down();
    const names = Array.from({ length: 10 }, (_, i) => `Before the crash ${i + 1}`);
    for (const name of names) await gql(killed.url, 'mutation($n: String!) { createCategory(input: { name: $n }) { id } }', { n: name }, token);
    expect(await outboxLength(killed.url, token)).toBe(10);
    await killed.crash();

    await database.up();
    server = await startServer(env, killed.dataDir);
    token = await server.signIn(SUPERUSER.SUPERUSER_USERNAME, SUPERUSER.SUPERUSER_PASSWORD);
    await synced(server, token);
    const mirrored = Object.values(await collection(database, 'categories')).map((c) => c.name);
    expect(mirrored.sort()).toEqual([...names].sort());
    await until(async () => added.size === 10, 10_000);
    await deleteApp(watcher);
    expect([...added.values()]).toEqual(Array(10).fill(1));
    expect(changed).toEqual([]);
  }, 120_000);

  it('npm run mirror:rebuild sends everything again after the database was lost, without uploading files the bucket holds', async () => {
    const running = server as TestServer;
    const token = await running.signIn(SUPERUSER.SUPERUSER_USERNAME, SUPERUSER.SUPERUSER_PASSWORD);
    const photo = readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png'));
    const name = `files/${createHash('sha256').update(photo).digest('hex')}`;
    await batchOf(running, token, 'panel.png', photo, 'HF');
    await synced(running, token);
    expect(storage.uploads.get(name)).toBe(1);

    await database.wipe();
    const rebuilt = await npmRun('mirror-rebuild', { ...env, DATA_DIR: running.dataDir });
    expect(rebuilt.status, rebuilt.output).toBe(0);
    expect(rebuilt.output).toMatch(/Queued \d+ documents/);
    await synced(running, token);
    expect(Object.keys(await collection(database, 'categories'))).toHaveLength(10);
    expect(Object.keys(await collection(database, 'files'))).toEqual([name.slice('files/'.length)]);
    expect(await database.value('meta')).toEqual({ format: 1 });
    expect(storage.uploads.get(name)).toBe(1);
  }, 120_000);

  it('npm run mirror:restore rebuilds an empty DATA_DIR into the same catalogue', async () => {
    const running = server as TestServer;
    let token = await running.signIn(SUPERUSER.SUPERUSER_USERNAME, SUPERUSER.SUPERUSER_PASSWORD);
    const minutes = await batchOf(running, token, 'minutes.jpg', readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')), 'MM');
    const group = await batchOf(running, token, 'group.png', readFileSync(path.join(SAMPLES_DIR, 'group-photo.png')), 'HF');
    await running.gql('mutation($a: ID!) { updateArtefact(artefactId: $a, input: { fields: [{ name: CAPTION, value: "Lanterns over the harbour" }] }) { id } }', { a: group.artefactId }, token);
    const book = await running.gql<{ createBook: { id: string } }>('mutation { createBook(input: { title: "Minutes 1962" }) { id } }', {}, token);
    await running.gql('mutation($b: ID!, $a: ID!) { placeInBook(bookId: $b, artefactId: $a, position: 1) { id } }', { b: book.body.data?.createBook.id, a: minutes.artefactId }, token);
    const categories = await running.gql<{ categories: { edges: { node: { id: string } }[] } }>('{ categories(first: 1) { edges { node { id } } } }', {}, token);
    const category = categories.body.data?.categories.edges[0]?.node.id;
    await running.gql('mutation($c: ID!, $a: ID!) { setCategoryMember(categoryId: $c, artefactId: $a, member: true, reason: "lanterns") { id } }', { c: category, a: group.artefactId }, token);
    const figure = running.core.store.figures.create({ label: 'Chan Tai-man', headshotSha256: null, origin: 'HUMAN' });
    running.core.store.figures.addFace({
      artefactId: parseGlobalId(group.artefactId)?.id as string, sourceSha256: null, figureId: figure.id, box: { x: 1.5, y: 2, w: 30, h: 40 },
      embedding: new Float32Array(EMBEDDING_DIMENSIONS).fill(0.25), embeddingModel: FACE_EMBEDDER_MODEL, isExemplar: true, assignment: 'HUMAN', similarity: 0.5,
    });
    await synced(running, token);
    const before = (await running.gql(CATALOGUE, {}, token)).body;
    expect(before.errors).toBeUndefined();
    await running.stop();
    server = undefined;

    const empty = mkdtempSync(path.join(tmpdir(), 'archaive-restore-'));
    const restored = await npmRun('mirror-restore', { ...env, DATA_DIR: empty });
    expect(restored.status, restored.output).toBe(0);
    expect(restored.output).toMatch(/Restored into .*: 3 files, 1 users, 3 artefacts, 1 figures, 10 categories, 1 books, 3 batches/);

    server = await startServer(env, empty);
    token = await server.signIn(SUPERUSER.SUPERUSER_USERNAME, SUPERUSER.SUPERUSER_PASSWORD);
    expect((await server.gql(CATALOGUE, {}, token)).body).toEqual(before);
    // The search index is rebuilt.
    const found = await server.gql<{ artefacts: { edges: { node: { id: string } }[] } }>('{ artefacts(first: 5, filter: { search: "harbour" }) { edges { node { id } } } }', {}, token);
    expect(found.body.data?.artefacts.edges.map((e) => e.node.id)).toEqual([group.artefactId]);
    // The face's embedding came back too: it identifies the figure again.
    expect(server.core.store.figures.exemplars(FACE_EMBEDDER_MODEL)).toEqual([{ figureId: figure.id, embedding: new Float32Array(EMBEDDING_DIMENSIONS).fill(0.25) }]);
    // A DATA_DIR that holds a catalogue is never restored over.
    await expect(server.core.mirror.restore({ dataDir: empty, superuserPassword: undefined })).rejects.toThrow(/already holds a catalogue/);
  }, 180_000);
});
