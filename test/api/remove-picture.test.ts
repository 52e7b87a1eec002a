import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

const REMOVE = 'mutation($id: ID!) { removeUserPicture(userId: $id) { id avatar { sha256 } } }';

describe("the superuser removes a user's profile picture", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('removes it, audited; nobody else may', async () => {
    const owner = await s.userWithRole('VIEWER', 'pictured');
    const other = await s.userWithRole('ARCHIVIST', 'bystander');
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($f: Upload!) { uploadProfilePicture(file: $f) { avatar { sha256 } } }', variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#a33' } }).png().toBuffer();
    form.append('0', new Blob([new Uint8Array(png)]), 'me.png');
    const uploaded = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` }, body: form });
    expect(((await uploaded.json()) as { data: { uploadProfilePicture: { avatar: unknown } } }).data.uploadProfilePicture.avatar).not.toBeNull();

    expect(codeOf(await s.gql(REMOVE, { id: owner.id }, other.token))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql(REMOVE, { id: owner.id }, owner.token))).toBe('FORBIDDEN');
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    expect((await s.gql(REMOVE, { id: owner.id }, admin)).body).toEqual({ data: { removeUserPicture: { id: owner.id, avatar: null } } });
    expect((await s.gql('{ me { avatar { sha256 } } }', {}, owner.token)).body).toEqual({ data: { me: { avatar: null } } });

    const audit = await s.gql<{ auditLog: { nodes: { action: string; targetId: string; actor: { username: string } }[] } }>(
      '{ auditLog(first: 10, filter: { action: "user.removePicture" }) { nodes { action targetId actor { username } } } }',
      {},
      admin,
    );
    expect(audit.body.data?.auditLog.nodes).toEqual([{ action: 'user.removePicture', targetId: owner.id, actor: { username: SUPERUSER.username } }]);
  });
});
