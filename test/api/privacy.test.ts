import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { startServerProcess } from '../support/server-process.js';
import { uploadFiles } from '../support/upload.js';

const picture = (r: number) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 90, b: 160 } } }).png().toBuffer();

/** Sets the user's profile picture (a one-file multipart request) and returns it. */
async function setPicture(s: TestServer, token: string, data: Buffer): Promise<{ sha256: string; url: string }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($file: Upload!) { uploadProfilePicture(file: $file) { avatar { sha256 url } } }', variables: { file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(data)]), 'me.png');
  const res = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as { data?: { uploadProfilePicture: { avatar: { sha256: string; url: string } } }; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.uploadProfilePicture.avatar;
}

describe('what users see of each other', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('signIn shows the user their own email', async () => {
    const r = await s.gql<{ signIn: { user: { email: string | null; lastSignInAt: string | null } } }>(
      'mutation($u: String!, $p: String!) { signIn(identifier: $u, password: $p) { user { email lastSignInAt } } }',
      { u: SUPERUSER.username, p: SUPERUSER.password },
    );
    expect(r.body.data?.signIn.user.email).toBe(SUPERUSER.email);
    expect(r.body.data?.signIn.user.lastSignInAt).toBeTypeOf('string');
  });

  it('hides when others last signed in from a viewer, and shows the user their own', async () => {
    const other = await s.userWithRole('ARCHIVIST', 'seen');
    const viewer = await s.userWithRole('VIEWER', 'looker');
    const query = 'query($id: ID!) { node(id: $id) { ... on User { lastSignInAt } } me { lastSignInAt } }';
    const asViewer = await s.gql<{ node: { lastSignInAt: string | null }; me: { lastSignInAt: string | null } }>(query, { id: other.id }, viewer.token);
    expect(asViewer.body.data?.node.lastSignInAt).toBeNull();
    expect(asViewer.body.data?.me.lastSignInAt).toBeTypeOf('string');
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    expect((await s.gql<{ node: { lastSignInAt: string | null } }>(query, { id: other.id }, admin)).body.data?.node.lastSignInAt).toBeTypeOf('string');
  });
});

describe('files on disk', () => {
  it('creates DATA_DIR 0700 and the database and images 0600 under umask 022', { timeout: 60_000 }, async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'archaive-modes-'));
    const dataDir = path.join(parent, 'data');
    const umask = process.umask(0o022);
    try {
      const s = await startServer({ DATA_DIR: dataDir });
      try {
        const viewer = await s.userWithRole('VIEWER', 'pictured');
        const sha = (await setPicture(s, viewer.token, await picture(10))).sha256;
        const mode = (file: string) => statSync(file).mode & 0o777;
        expect(mode(dataDir)).toBe(0o700);
        for (const file of ['archaive.sqlite', 'archaive.sqlite-wal', `files/${sha.slice(0, 2)}/${sha}`]) expect(mode(path.join(dataDir, file)), file).toBe(0o600);
      } finally {
        await s.stop();
      }
    } finally {
      process.umask(umask);
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('stops serving replaced pictures and deleted scans at once, and deletes them after FILE_RETENTION_HOURS', { timeout: 120_000 }, async () => {
    let s = await startServer();
    const dataDir = s.dataDir;
    try {
      const viewer = await s.userWithRole('VIEWER', 'repictured');
      const archivist = await s.userWithRole('ARCHIVIST', 'scanner');
      const old = await setPicture(s, viewer.token, await picture(20));
      const current = await setPicture(s, viewer.token, await picture(200));
      const created = await uploadFiles(s.url, archivist.token, 'mutation($files: [Upload!]!) { createBatch(name: "Scans", files: $files) { batch { id } files { artefact { image { sha256 url } } } } }', {}, [
        { name: 'scan.png', data: await picture(120) },
      ]);
      const batch = (created.body.data as { createBatch: { batch: { id: string }; files: { artefact: { image: { sha256: string; url: string } } }[] } }).createBatch;
      const scan = batch.files[0]?.artefact.image as { sha256: string; url: string };
      // Image URLs are absolute: their path is asked of the server running now (it restarts below, on another port).
      const status = async (url: string) => (await fetch(new URL(new URL(url).pathname, s.url), { headers: { authorization: `Bearer ${viewer.token}` } })).status;
      expect(await status(scan.url)).toBe(200);
      expect(await status(current.url)).toBe(200);
      expect(await status(old.url)).toBe(404);
      expect((await s.gql('mutation($b: ID!) { deleteBatch(batchId: $b) }', { b: batch.batch.id }, archivist.token)).body.errors).toBeUndefined();
      expect(await status(scan.url)).toBe(404);

      const onDisk = (sha: string) => existsSync(path.join(dataDir, 'files', sha.slice(0, 2), sha));
      expect([onDisk(old.sha256), onDisk(scan.sha256)]).toEqual([true, true]);
      // Within the retention period: kept on disk after a restart.
      await s.stop();
      s = await startServer({ FILE_RETENTION_HOURS: '1' }, dataDir);
      expect([onDisk(old.sha256), onDisk(scan.sha256), onDisk(current.sha256)]).toEqual([true, true, true]);
      // Stored longer ago than that: the next collection (at boot) deletes the unreferenced ones.
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
      s.core.store.db.raw.prepare('UPDATE files SET stored_at = ?').run(twoHoursAgo);
      await s.stop();
      s = await startServer({ FILE_RETENTION_HOURS: '1' }, dataDir);
      expect([onDisk(old.sha256), onDisk(scan.sha256), onDisk(current.sha256)]).toEqual([false, false, true]);
      expect(s.core.store.files.get(old.sha256)).toBeUndefined();
      expect(await status(current.url)).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('the request log', () => {
  it('names a GET operation but logs neither its query nor its variables', { timeout: 120_000 }, async () => {
    const server = await startServerProcess({ LOG_LEVEL: 'info' });
    try {
      const params = new URLSearchParams({
        query: 'query FindSecret($q: String) { artefacts(filter: { search: $q }) { totalCount } }',
        variables: JSON.stringify({ q: 'patient-record-4711' }),
        operationName: 'FindSecret',
      });
      await fetch(`${server.url}/graphql?${params.toString()}`);
    } finally {
      await server.stop();
    }
    const log = server.output();
    expect(log).toContain('FindSecret');
    expect(log).not.toContain('patient-record-4711');
    expect(log).not.toContain('artefacts');
  });
});
