import { randomBytes } from 'node:crypto';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localId } from '../../resolvers/ids.js';
import { until } from '../support/batches.js';
import { startServer, type TestServer } from '../support/server.js';
import { tinyPng } from '../support/tiny-images.js';
import { uploadFiles } from '../support/upload.js';

const PAYLOAD = 'batch { id counts { total } } files { filename artefact { id image { sha256 bytes } } duplicateOf { id } error { code message } }';
const CREATE = `mutation($name: String!, $files: [Upload!]!) { createBatch(name: $name, files: $files) { ${PAYLOAD} } }`;
const ADD = `mutation($batchId: ID!, $files: [Upload!]!) { addToBatch(batchId: $batchId, files: $files) { ${PAYLOAD} } }`;

interface Payload {
  batch: { id: string; counts: { total: number } } | null;
  files: { filename: string; artefact: { id: string; image: { sha256: string; bytes: number } } | null; duplicateOf: { id: string } | null; error: { code: string; message: string } | null }[];
}

// A full collection, so that memory figures are what is retained, not garbage yet to be collected.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const retainedBytes = (): number => {
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** A PNG of random pixels: incompressible, so its size is about width × height × 3 bytes. */
const noisePng = (width: number, height: number): Promise<Buffer> =>
  sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();

describe('large batches', () => {
  let s: TestServer;
  let token: string;
  const incoming = () => path.join(s.dataDir, 'files', 'incoming');
  const incomingFiles = () => {
    try {
      return readdirSync(incoming()).map((name) => statSync(path.join(incoming(), name)).size);
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    s = await startServer();
    token = (await s.userWithRole('ARCHIVIST', 'bulk')).token;
  }, 60_000);
  afterAll(() => s.close());

  it('writes an upload to disk while it is still arriving, then moves it into place', async () => {
    const big = await noisePng(1200, 1000);
    const boundary = `archaive${randomBytes(8).toString('hex')}`;
    const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;
    const head =
      part('Content-Disposition: form-data; name="operations"', JSON.stringify({ query: CREATE, variables: { name: 'Big scan', files: [null] } })) +
      part('Content-Disposition: form-data; name="map"', JSON.stringify({ 0: ['variables.files.0'] })) +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`;
    const req = request(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${token}` } });
    const answer = new Promise<Payload>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () => resolve((JSON.parse(text) as { data: { createBatch: Payload } }).data.createBatch));
      });
      req.on('error', reject);
    });
    const half = Math.floor(big.length / 2);
    req.write(head);
    req.write(big.subarray(0, half));
    // Half the file sent and the request still open: its bytes are already on disk.
    await until(async () => incomingFiles().some((size) => size >= half - 256 * 1024), 30_000);
    req.end(Buffer.concat([big.subarray(half), Buffer.from(`\r\n--${boundary}--\r\n`)]));
    const created = await answer;
    expect(created.files[0]).toMatchObject({ filename: 'big.png', artefact: { image: { bytes: big.length } }, error: null });
    const sha256 = created.files[0]?.artefact?.image.sha256 as string;
    expect(statSync(path.join(s.dataDir, 'files', sha256.slice(0, 2), sha256)).size).toBe(big.length);
    expect(incomingFiles()).toEqual([]);
  }, 60_000);

  it('grows a batch to 1,000 files through addToBatch with the server’s memory bounded', async () => {
    // 16 KB of noise each (16 MB in all), so that keeping what arrived would show.
    const files = await Promise.all(Array.from({ length: 1000 }, async (_, i) => ({ name: `noise-${i}.png`, data: await noisePng(72, 72) })));
    const per = s.config.uploads.maxFiles;
    const first = await uploadFiles(s.url, token, CREATE, { name: 'A thousand' }, files.slice(0, per));
    const batchId = (first.body.data as { createBatch: Payload }).createBatch.batch?.id as string;
    const before = retainedBytes();
    let total = 0;
    for (let i = per; i < files.length; i += per) {
      const r = await uploadFiles(s.url, token, ADD, { batchId }, files.slice(i, i + per));
      const added = (r.body.data as { addToBatch: Payload }).addToBatch;
      expect(added.files.filter((f) => f.artefact === null)).toEqual([]);
      total = added.batch?.counts.total ?? 0;
    }
    expect(total).toBe(1000);
    // What stays in memory after 950 more files (as a worst case, the server and this test share a process).
    expect(retainedBytes() - before).toBeLessThan(8 * 1024 * 1024);
    expect(incomingFiles()).toEqual([]);
  }, 120_000);

  it('reports an image already in the catalogue with the artefact it duplicates, and keeps its bytes once', async () => {
    const data = await tinyPng(20_000);
    const one = (await uploadFiles(s.url, token, CREATE, { name: 'Original' }, [{ name: 'a.png', data }])).body.data as { createBatch: Payload };
    const original = one.createBatch.files[0]?.artefact;
    const two = (await uploadFiles(s.url, token, CREATE, { name: 'Again' }, [{ name: 'b.png', data }, { name: 'c.png', data: await tinyPng(20_001) }])).body.data as { createBatch: Payload };
    expect(two.createBatch.files.map((f) => [f.filename, f.duplicateOf?.id ?? null])).toEqual([
      ['b.png', original?.id],
      ['c.png', null],
    ]);
    expect(two.createBatch.files[0]?.artefact?.image.sha256).toBe(original?.image.sha256);
    const sha256 = original?.image.sha256 as string;
    expect(readdirSync(path.join(s.dataDir, 'files', sha256.slice(0, 2))).filter((f) => f.startsWith(sha256))).toEqual([sha256]);
  }, 60_000);

  it('tells clients the upload limits, and stops a batch at 10,000 files', async () => {
    const limits = await s.gql('{ uploadLimits { maxFilesPerUpload maxFileBytes maxBatchFiles } }', {}, token);
    expect(limits.body.data).toEqual({ uploadLimits: { maxFilesPerUpload: 50, maxFileBytes: 25 * 1024 * 1024, maxBatchFiles: 10_000 } });

    const first = (await uploadFiles(s.url, token, CREATE, { name: 'Nearly full' }, [{ name: 'first.png', data: await tinyPng(30_000) }])).body.data as { createBatch: Payload };
    const batchId = first.createBatch.batch?.id as string;
    // 9,998 more entries written straight to the database: uploading them would take minutes.
    const fileSha256 = first.createBatch.files[0]?.artefact?.image.sha256 as string;
    const now = new Date().toISOString();
    const seeded = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9998)`;
    s.core.store.db
      .query(`INSERT INTO artefacts (id, seq, name, file_sha256, created_at, updated_at) ${seeded} SELECT 'seeded-' || i, 1000000 + i, 'seeded', ?, ?, ? FROM n`)
      .run(fileSha256, now, now);
    s.core.store.db
      .query(`INSERT INTO batch_artefacts (batch_id, artefact_id, position, status) ${seeded} SELECT ?, 'seeded-' || i, i + 1, 'UNPROCESSED' FROM n`)
      .run(localId(batchId, 'Batch'));
    const two = [{ name: 'x.png', data: await tinyPng(30_001) }, { name: 'y.png', data: await tinyPng(30_002) }];
    const refused = await uploadFiles(s.url, token, ADD, { batchId }, two);
    expect(refused.body.errors?.[0]).toMatchObject({ message: 'A batch holds at most 10000 files; this one has 9999', extensions: { code: 'BAD_USER_INPUT' } });
    const last = await uploadFiles(s.url, token, ADD, { batchId }, two.slice(0, 1));
    expect((last.body.data as { addToBatch: Payload }).addToBatch.batch?.counts.total).toBe(10_000);
  }, 120_000);

  it('deletes the temporary file of an upload cut off long ago, not of one in flight', () => {
    const stale = path.join(incoming(), 'stale.tmp');
    const fresh = path.join(incoming(), 'fresh.tmp');
    writeFileSync(stale, 'cut off');
    writeFileSync(fresh, 'arriving');
    const longAgo = new Date(Date.now() - 48 * 3600 * 1000);
    utimesSync(stale, longAgo, longAgo);
    s.core.store.files.collectUnreferenced(new Date(Date.now() - 24 * 3600 * 1000));
    expect(readdirSync(incoming())).toEqual(['fresh.tmp']);
  });
});
