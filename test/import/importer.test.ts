import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { uploadFiles } from '../support/upload.js';
import { until } from '../support/batches.js';
import { writeTinyImages } from '../support/tiny-images.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- import …` as a user runs it, in its own process; `whileRunning` may signal it. */
function importer(args: string[], env: Record<string, string>, whileRunning?: (child: { kill: (s: NodeJS.Signals) => void; stderr: () => string }) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'import', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  void whileRunning?.({ kill: (s) => child.kill(s), stderr: () => stderr });
  return exited;
}

const BATCH = `query($batchId: ID!) { node(id: $batchId) { ... on Batch { name stage counts { total processed failed } artefacts(first: 100) { nodes { originalFilename image { sha256 } } } } } }`;
interface BatchView {
  node: { name: string; stage: string; counts: { total: number; processed: number; failed: number }; artefacts: { nodes: { originalFilename: string; image: { sha256: string } }[] } };
}

describe('npm run cli -- import', () => {
  let s: TestServer;
  let token: string;
  let password: string;
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'archaive-import-'));
    dirs.push(dir);
    return dir;
  };
  const batchOf = async (batchId: string) => (await s.gql<BatchView>(BATCH, { batchId }, token)).body.data?.node as BatchView['node'];

  beforeAll(async () => {
    // Two files a request, so that an import of a few files takes several.
    s = await startServer({ MAX_FILES_PER_UPLOAD: '2' });
    ({ token, password } = await s.userWithRole('ARCHIVIST', 'importer'));
  }, 60_000);
  afterAll(async () => {
    await s.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('imports a directory tree, shows progress and each failed file, and exits 1 unless every file was processed', async () => {
    const dir = newDir();
    await writeTinyImages(dir, 4);
    writeFileSync(path.join(dir, 'sub', 'broken.jpg'), 'not an image');
    writeFileSync(path.join(dir, 'notes.txt'), 'not an image either, and not sent: not named as one');

    const first = await importer([dir, '--server', s.url, '--name', 'Tree', '--user', 'importer'], { ARCHAIVE_PASSWORD: password });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/✗ sub\/broken\.jpg: .*not an image.* \(INVALID_IMAGE\)/);
    expect(first.stderr).toMatch(/upload +\S+ 5\/5 files sent/);
    expect(first.stderr).toMatch(/processing +\S+ 4\/4 done \| 0 failed \| [\d.]+\/s \| ETA \S+ \| vetting/);
    const batchId = (/batch (\S+): 4 of 5 processed, 1 failed/.exec(first.stdout) ?? [])[1] as string;
    expect(batchId).toBeDefined();
    const batch = await batchOf(batchId);
    expect(batch).toMatchObject({ name: 'Tree', stage: 'VETTING', counts: { total: 4, processed: 4, failed: 0 } });
    expect(batch.artefacts.nodes.map((a) => a.originalFilename).sort()).toEqual(['img-00000.png', 'img-00002.png', 'sub_img-00001.png', 'sub_img-00003.png']);

    // Again on the same directory: the same batch, nothing sent twice, the same verdict as JSON.
    const again = await importer([dir, '--server', s.url, '--json'], { ARCHAIVE_TOKEN: token });
    expect(again.code).toBe(1);
    const report = JSON.parse(again.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ batchId, total: 5, processed: 4, failed: 1, interrupted: false });
    expect(report.failures).toEqual([{ file: 'sub/broken.jpg', code: 'CONFLICT', message: expect.stringMatching(/has been started/) }]);
    expect((await batchOf(batchId)).counts.total).toBe(4);
  }, 120_000);

  it('resumes an interrupted upload without sending again what the batch holds, and leaves on Ctrl-C with the batch going on', async () => {
    const dir = newDir();
    const files = await writeTinyImages(dir, 6, 100);
    // A first run that stopped after its first request: the batch holds two of the files.
    const r = await uploadFiles(s.url, token, 'mutation($files: [Upload!]!) { createBatch(name: "Resumed", files: $files) { batch { id } } }', {}, files.slice(0, 2).map((f) => ({ name: f.replaceAll('/', '_'), data: readFileSync(path.join(dir, f)) })));
    const batchId = (r.body.data as { createBatch: { batch: { id: string } } }).createBatch.batch.id;
    writeFileSync(path.join(dir, '.archaive-import.json'), JSON.stringify({ [s.url]: batchId }));

    const interrupted = await importer([dir, '--server', s.url, '--json'], { ARCHAIVE_TOKEN: token }, async (child) => {
      await until(async () => (await batchOf(batchId)).stage !== 'UPLOAD_PENDING', 60_000);
      child.kill('SIGINT');
    });
    expect(interrupted.code).toBe(130);
    expect(JSON.parse(interrupted.stdout)).toMatchObject({ batchId, total: 6, interrupted: true });
    // Four sent, two kept: six artefacts, each image once.
    const batch = await batchOf(batchId);
    expect(batch.counts.total).toBe(6);
    expect(new Set(batch.artefacts.nodes.map((a) => a.image.sha256)).size).toBe(6);

    const resumed = await importer([dir, '--server', s.url, '--json'], { ARCHAIVE_TOKEN: token });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ batchId, total: 6, processed: 6, failed: 0, duplicates: 0, failures: [], interrupted: false });
    expect((await batchOf(batchId)).counts).toMatchObject({ total: 6, processed: 6 });
  }, 120_000);

  it('stops on Ctrl-C during the upload after the request in flight, leaving only whole files in the batch', async () => {
    const dir = newDir();
    await writeTinyImages(dir, 60, 200);
    const remembered = path.join(dir, '.archaive-import.json');
    let batchId = '';
    const run = await importer([dir, '--server', s.url, '--json'], { ARCHAIVE_TOKEN: token }, async (child) => {
      // The first request (two files) has landed once the batch is remembered.
      await until(async () => existsSync(remembered), 60_000);
      batchId = (JSON.parse(readFileSync(remembered, 'utf8')) as Record<string, string>)[s.url] as string;
      child.kill('SIGINT');
    });
    expect(run.code).toBe(130);
    expect(JSON.parse(run.stdout)).toMatchObject({ batchId, total: 60, processed: 0, interrupted: true });
    const batch = await batchOf(batchId);
    expect(batch.stage).toBe('UPLOAD_PENDING');
    // Whole requests only, and not all of them.
    expect(batch.counts.total % 2).toBe(0);
    expect(batch.counts.total).toBeLessThan(60);
    expect(readdirSync(path.join(s.dataDir, 'files', 'incoming'))).toEqual([]);
  }, 120_000);

  it('reports images already in the catalogue, and exits 2 without credentials or a server', async () => {
    const dir = newDir();
    await writeTinyImages(dir, 1, 100);
    const run = await importer([dir, '--server', s.url, '--json'], { ARCHAIVE_TOKEN: token });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 1, processed: 1, duplicates: 1 });

    const anonymous = await importer([dir, '--server', s.url, '--json'], {});
    expect(anonymous.code).toBe(2);
    expect(JSON.parse(anonymous.stdout)).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/ARCHAIVE_TOKEN/) } });
    const wrong = await importer([dir, '--server', s.url], { ARCHAIVE_TOKEN: 'not-a-token' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/import failed: .*\(UNAUTHENTICATED\)/);
    const nowhere = await importer([dir, '--server', 'http://127.0.0.1:9', '--json'], { ARCHAIVE_TOKEN: token });
    expect(nowhere.code).toBe(2);
    expect(JSON.parse(nowhere.stdout)).toMatchObject({ error: { code: 'UNREACHABLE' } });
  }, 120_000);
});
