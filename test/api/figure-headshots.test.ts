import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../resolvers/ids.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

const UPLOAD = 'mutation($figureId: ID!, $file: Upload!) { uploadFigureHeadshot(figureId: $figureId, file: $file) { headshot { url width height mime } } }';

let s: TestServer;
let token: string;

/** The GraphQL multipart request with one file as `$file`. */
async function upload(figureId: string, data: Buffer, name: string, as = token) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD, variables: { figureId, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array(data)]), name);
  const r = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${as}` }, body: form });
  return { status: r.status, headers: r.headers, body: (await r.json()) as { data?: { uploadFigureHeadshot: { headshot: { url: string; width: number; height: number; mime: string } | null } } | null; errors?: { message: string; extensions?: { code?: string } }[] } };
}

beforeAll(async () => {
  s = await startServer();
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
}, 60_000);
afterAll(() => s.close());

describe("any figure's headshot can be chosen", () => {
  it('gives a figure made by hand a headshot from a picture, undoably', async () => {
    const figure = s.core.store.figures.create({ label: 'Tan Kah Kee', headshotSha256: null, origin: 'HUMAN' });
    const id = toGlobalId('Figure', figure.id);
    const r = await upload(id, readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')), 'portrait.png');
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data?.uploadFigureHeadshot.headshot).toMatchObject({ width: 160, height: 160, mime: 'image/jpeg' });
    const served = await fetch(r.body.data?.uploadFigureHeadshot.headshot?.url as string);
    expect(await sharp(Buffer.from(await served.arrayBuffer())).metadata()).toMatchObject({ format: 'jpeg', width: 160, height: 160 });

    const changes = await s.gql<{ figureChanges: { nodes: { id: string; kind: string }[] } }>('query($f: ID) { figureChanges(first: 1, figureId: $f) { nodes { id kind } } }', { f: id }, token);
    const change = changes.body.data?.figureChanges.nodes[0];
    expect(change?.kind).toBe('HEADSHOT');
    await s.gql('mutation($c: ID!) { undoFigureChange(changeId: $c) { undone } }', { c: change?.id }, token);
    const after = await s.gql<{ node: { headshot: null } }>('query($f: ID!) { node(id: $f) { ... on Figure { headshot { sha256 } } } }', { f: id }, token);
    expect(after.body.data?.node.headshot).toBeNull();
  });

  it('refuses a file that is not an image, and a viewer', async () => {
    const figure = s.core.store.figures.create({ label: null, headshotSha256: null, origin: 'SEED' });
    const id = toGlobalId('Figure', figure.id);
    const bad = await upload(id, Buffer.from('%PDF-1.4 not a picture'), 'portrait.png');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_IMAGE');
    const viewer = await s.userWithRole('VIEWER', 'looker');
    const refused = await upload(id, readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')), 'portrait.png', viewer.token);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(codeOf(await s.gql('{ me { username } }', {}, viewer.token))).toBeUndefined();
  });
});
