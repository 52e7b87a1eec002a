import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';

const SET = 'mutation($on: Boolean!, $m: String) { setMaintenance(on: $on, message: $m) { on message since } }';
const STATUS = '{ maintenance { on message since } }';
const CREATE_CATEGORY = 'mutation($n: String!) { createCategory(input: { name: $n }) { name } }';

describe('maintenance mode', () => {
  let s: TestServer;
  let admin: string;
  let archivist: string;
  beforeAll(async () => {
    s = await startServer();
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    archivist = (await s.userWithRole('ARCHIVIST', 'keeper')).token;
  });
  afterAll(() => s.close());

  it('only the superuser turns it on; anyone, signed in or not, sees it', async () => {
    expect((await s.gql(STATUS)).body.data).toEqual({ maintenance: { on: false, message: null, since: null } });
    expect(codeOf(await s.gql(SET, { on: true }, archivist))).toBe('FORBIDDEN');
    const on = await s.gql<{ setMaintenance: { on: boolean; message: string; since: string } }>(SET, { on: true, m: 'Moving to new disks' }, admin);
    expect(on.body.data?.setMaintenance).toMatchObject({ on: true, message: 'Moving to new disks' });
    expect((await s.gql(STATUS)).body.data).toEqual({ maintenance: on.body.data?.setMaintenance });
    await s.gql(SET, { on: false }, admin);
  });

  it('refuses changes and new batches with MAINTENANCE (503) while reads, sign-in, subscriptions and account management go on', async () => {
    // A subscription opened before maintenance streams on through it.
    const client = createClient({ url: `${s.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${archivist}` }, retryAttempts: 0 });
    const received: string[] = [];
    const stop = client.subscribe<{ catalogueChanged: { entity: string } }>(
      { query: 'subscription { catalogueChanged { entity id } }' },
      { next: (v) => received.push(v.data?.catalogueChanged.entity ?? 'none'), error: () => received.push('error'), complete: () => received.push('complete') },
    );
    await new Promise((r) => setTimeout(r, 300));
    await s.gql(SET, { on: true, m: 'Back at noon' }, admin);
    try {
      const refused = await s.gql(CREATE_CATEGORY, { n: 'During maintenance' }, archivist, { accept: 'application/graphql-response+json' });
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'MAINTENANCE', maintenanceMessage: 'Back at noon' } });
      expect(refused.body.errors?.[0]?.message).toContain('Back at noon');
      expect(refused.body.data).toBeUndefined();
      // Legacy JSON clients get the same status: the server cannot take changes for a while.
      expect((await s.gql(CREATE_CATEGORY, { n: 'During maintenance' }, archivist)).status).toBe(503);
      // An open mutation beside a closed one does not open the document.
      expect(codeOf(await s.gql(`mutation { signOut a: createCategory(input: { name: "Sneaked" }) { name } }`, {}, archivist))).toBe('MAINTENANCE');

      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#357' } }).png().toBuffer();
      const upload = await uploadFiles(s.url, archivist, 'mutation($files: [Upload!]!) { createBatch(name: "Blocked", files: $files) { batch { id } } }', {}, [{ name: 'a.png', data: png }]);
      expect(upload.body.errors?.[0]?.extensions?.code).toBe('MAINTENANCE');
      expect((await s.gql<{ batches: { totalCount: number } }>('{ batches { totalCount } }', {}, admin)).body.data?.batches.totalCount).toBe(0);

      expect((await s.gql('{ categories(first: 5) { totalCount } }', {}, archivist)).body).toEqual({ data: { categories: { totalCount: 0 } } });
      const again = await s.signIn(SUPERUSER.username, SUPERUSER.password);
      const created = await s.gql<{ createUser: { user: { username: string } } }>(
        'mutation { createUser(input: { username: "newcomer", email: "newcomer@example.org", role: VIEWER }) { user { username } } }',
        {},
        again,
      );
      expect(created.body.data?.createUser.user.username).toBe('newcomer');
      // Account management is the superuser's alone: nobody else gets past maintenance with it.
      expect(codeOf(await s.gql('mutation { updateProfile(input: { title: "Keeper" }) { title } }', {}, archivist))).toBe('MAINTENANCE');
    } finally {
      await s.gql(SET, { on: false }, admin);
    }
    expect((await s.gql(CREATE_CATEGORY, { n: 'After maintenance' }, archivist)).body.data).toEqual({ createCategory: { name: 'After maintenance' } });
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual(['Category']);
    stop();
    await client.dispose();

    const audit = await s.gql<{ auditLog: { nodes: { action: string }[] } }>('{ auditLog(first: 50) { nodes { action } } }', {}, admin);
    expect(audit.body.data?.auditLog.nodes.map((n) => n.action)).toEqual(expect.arrayContaining(['system.maintenanceOn', 'system.maintenanceOff']));
  });

  it('npm run admin:maintenance on|off reaches the running server', { timeout: 120_000 }, async () => {
    const cli = (...args: string[]) =>
      spawnSync('npm', ['run', '--silent', 'admin:maintenance', '--', ...args], { env: { ...process.env, DATA_DIR: s.dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    const on = cli('on', 'Restoring', 'a', 'backup');
    expect(on.status, on.stderr).toBe(0);
    expect(on.stdout).toContain('Maintenance mode is on: Restoring a backup');
    expect(codeOf(await s.gql(CREATE_CATEGORY, { n: 'Refused' }, archivist))).toBe('MAINTENANCE');
    const off = cli('off');
    expect(off.status, off.stderr).toBe(0);
    expect((await s.gql(CREATE_CATEGORY, { n: 'Taken' }, archivist)).body.data).toEqual({ createCategory: { name: 'Taken' } });
    expect(cli('sideways').status).toBe(2);
  });
});
