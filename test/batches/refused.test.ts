import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';

describe('an upload whose files are all refused', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('reports each file and leaves no empty batch behind', async () => {
    const { token } = await s.userWithRole('ARCHIVIST', 'unlucky');
    const r = await uploadFiles(
      s.url,
      token,
      'mutation($files: [Upload!]!) { createBatch(name: "Nothing good", files: $files) { batch { id } files { filename error { code } } } }',
      {},
      [
        { name: 'notes.txt', data: Buffer.from('not an image at all') },
        { name: 'empty.png', data: Buffer.alloc(0) },
      ],
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      createBatch: {
        batch: null,
        files: [
          { filename: 'notes.txt', error: { code: 'INVALID_IMAGE' } },
          { filename: 'empty.png', error: { code: 'INVALID_IMAGE' } },
        ],
      },
    });
    const left = await s.gql<{ batches: { totalCount: number } }>('{ batches { totalCount } }', {}, token);
    expect(left.body.data?.batches.totalCount).toBe(0);
  });
});
