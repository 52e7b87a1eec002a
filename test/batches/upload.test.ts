import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';
import { SAMPLES_DIR as SAMPLES } from '../support/samples.js';

const sample = (name: string) => readFileSync(path.join(SAMPLES, name));

const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) {
  createBatch(name: $name, files: $files, kind: $kind) {
    batch { id name stage counts { total unprocessed } }
    files { filename artefact { id name kind kindSource originalFilename image { width height } } error { code message } }
  }
}`;

interface Created {
  createBatch: {
    batch: { id: string; name: string; stage: string; counts: { total: number; unprocessed: number } };
    files: { filename: string; artefact: { id: string; name: string; kind: string | null; kindSource: string | null; originalFilename: string; image: { width: number; height: number } } | null; error: { code: string; message: string } | null }[];
  };
}

describe('batch upload', () => {
  let s: TestServer;
  let archivist: string;
  beforeAll(async () => {
    s = await startServer({ MAX_UPLOAD_MB: '1' });
    archivist = (await s.userWithRole('ARCHIVIST', 'uploader')).token;
  });
  afterAll(() => s.close());

  it('keeps the good files and reports each bad one with its reason', async () => {
    const big = Buffer.alloc(1024 * 1024 + 10, 1);
    const r = await uploadFiles(s.url, archivist, CREATE, { name: 'Chamber minutes 1906' }, [
      { name: 'minutes-page.jpg', data: sample('minutes-page.jpg') },
      { name: 'notes.txt', data: Buffer.from('not an image at all') },
      { name: 'big.png', data: big },
      { name: 'MINUTES-PAGE.jpg', data: sample('minutes-page.jpg') },
      { name: 'cut.png', data: sample('panel-photo.png').subarray(0, 4000) },
    ]);
    const created = (r.body.data as unknown as Created).createBatch;
    expect(created.batch).toMatchObject({ name: 'Chamber minutes 1906', stage: 'UPLOAD_PENDING', counts: { total: 1, unprocessed: 1 } });
    expect(created.files.map((f) => [f.filename, f.error?.code ?? 'OK'])).toEqual([
      ['minutes-page.jpg', 'OK'],
      ['notes.txt', 'INVALID_IMAGE'],
      ['big.png', 'INVALID_IMAGE'],
      ['MINUTES-PAGE.jpg', 'DUPLICATE_FILENAME'],
      ['cut.png', 'INVALID_IMAGE'],
    ]);
    expect(created.files[0]?.artefact).toMatchObject({ name: 'minutes-page', originalFilename: 'minutes-page.jpg', kind: null, image: { width: 428, height: 391 } });
    expect(created.files[2]?.error?.message).toMatch(/1 MB limit/);
  });

  it('records the uploader’s kind, and adds files only before the batch starts', async () => {
    const r = await uploadFiles(s.url, archivist, CREATE, { name: 'Forum photos', kind: 'HF' }, [{ name: 'panel.png', data: sample('panel-photo.png').subarray(0) }]);
    // panel-photo.png is 0.65 MB: under the 1 MB limit.
    const created = (r.body.data as unknown as Created).createBatch;
    expect(created.files[0]?.artefact).toMatchObject({ kind: 'HF', kindSource: 'UPLOADER' });
    const add = await uploadFiles(
      s.url,
      archivist,
      'mutation($b: ID!, $files: [Upload!]!) { addToBatch(batchId: $b, files: $files) { batch { counts { total } } files { error { code } } } }',
      { b: created.batch.id },
      [{ name: 'group.png', data: sample('group-photo.png') }],
    );
    expect(add.body.data).toEqual({ addToBatch: { batch: { counts: { total: 2 } }, files: [{ error: null }] } });
  });

  it('refuses uploads from viewers and from nobody', async () => {
    const viewer = (await s.userWithRole('VIEWER', 'looker')).token;
    const r = await uploadFiles(s.url, viewer, CREATE, { name: 'No' }, [{ name: 'a.jpg', data: sample('minutes-page.jpg') }]);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('deletes a batch that is not running with its own artefacts only', async () => {
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const keep = await uploadFiles(s.url, archivist, CREATE, { name: 'Keep' }, [{ name: 'k.jpg', data: sample('minutes-page.jpg') }]);
    const drop = await uploadFiles(s.url, archivist, CREATE, { name: 'Drop' }, [{ name: 'd.jpg', data: sample('minutes-page.jpg') }]);
    const dropId = (drop.body.data as unknown as Created).createBatch.batch.id;
    const before = await s.gql<{ artefacts: { totalCount: number } }>('{ artefacts { totalCount } }', {}, admin);
    expect((await s.gql('mutation($b: ID!) { deleteBatch(batchId: $b) }', { b: dropId }, archivist)).body.data).toEqual({ deleteBatch: dropId });
    const after = await s.gql<{ artefacts: { totalCount: number } }>('{ artefacts { totalCount } }', {}, admin);
    expect(after.body.data?.artefacts.totalCount).toBe((before.body.data?.artefacts.totalCount ?? 0) - 1);
    expect((keep.body.data as unknown as Created).createBatch.files[0]?.error).toBeNull();
    expect(codeOf(await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: dropId }, archivist))).toBe('NOT_FOUND');
  });
});
