/**
 * npm run bench:import [-- --files 1000]
 * The command-line importer (`npm run cli -- import`, in its own process, as a user runs it) on a
 * directory of small synthetic images (48×32 PNGs, test/support/tiny-images.ts) against the real
 * server: upload and end-to-end throughput, the importer's peak RSS, and the server's RSS as the
 * batch is processed (whether it stays flat). Prints Markdown.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTinyImages } from '../test/support/tiny-images.js';
import { benchServer, machine, mib, peakRssMiB } from './lib.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '1000' } } });
const count = Number(values.files);

const dir = mkdtempSync(path.join(tmpdir(), 'archaive-bench-import-'));
const bench = await benchServer();
try {
  await writeTinyImages(dir, count);
  const { store } = bench.server.core;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', 'import', dir, '--server', bench.url, '--json'], {
    env: { ...process.env, ARCHAIVE_TOKEN: bench.token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));

  // Every 100 ms: the importer's peak RSS, when the upload ended, and the server's RSS by progress.
  let importerPeak = 0;
  let uploadedAt: number | null = null;
  const serverRss: { done: number; rss: number }[] = [];
  const sampler = setInterval(() => {
    importerPeak = Math.max(importerPeak, peakRssMiB(child.pid as number) ?? 0);
    const batch = store.batches.page({ first: 1 }, { stage: null, search: null }).page.items[0];
    if (batch === undefined) return;
    if (uploadedAt === null && batch.stage !== 'UPLOAD_PENDING') uploadedAt = Date.now();
    const counts = store.batches.statusCounts([batch.id]).get(batch.id) ?? {};
    serverRss.push({ done: (counts.PROCESSED ?? 0) + (counts.FAILED ?? 0), rss: process.memoryUsage().rss });
  }, 100);
  const code = await exited;
  clearInterval(sampler);
  const ended = Date.now();
  const report = JSON.parse(out) as { total: number; processed: number; failed: number };
  const uploadSeconds = ((uploadedAt ?? ended) - started) / 1000;
  const totalSeconds = (ended - started) / 1000;
  const at = (share: number) => serverRss.find((s) => s.done >= share * count)?.rss ?? NaN;

  console.log(`machine: ${machine()}; ${new Date().toISOString()}; importer exit code ${code}`);
  console.log('| files | processed | failed | upload s | upload files/s | end to end s | end to end files/s | importer peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(`| ${count} | ${report.processed} | ${report.failed} | ${uploadSeconds.toFixed(1)} | ${(count / uploadSeconds).toFixed(0)} | ${totalSeconds.toFixed(1)} | ${(count / totalSeconds).toFixed(1)} | ${importerPeak.toFixed(0)} |`);
  console.log('');
  console.log('| server RSS MiB at | 1 % done | 10 % | 25 % | 50 % | 75 % | 100 % |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| | ${[0.01, 0.1, 0.25, 0.5, 0.75, 1].map((s) => mib(at(s))).join(' | ')} |`);
} finally {
  await bench.close();
  rmSync(dir, { recursive: true, force: true });
}
