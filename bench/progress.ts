/**
 * npm run bench:progress [-- --subscribers 500 --artefacts 200]
 * One batch of small synthetic images (48×32 PNGs of one colour each, see
 * test/support/tiny-images.ts) processed by the real server while 500 WebSocket subscribers in a
 * separate process follow its batchProgress: the delay from publish to receipt of every event
 * (p50, p99, max), events lost, and the server's peak RSS. Prints a Markdown row.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ArchaiveClient } from '../scripts/import/client.js';
import { imagesUnder } from '../scripts/import/files.js';
import { writeTinyImages } from '../test/support/tiny-images.js';
import { benchServer, machine, mib } from './lib.js';

const { values } = parseArgs({ options: { subscribers: { type: 'string', default: '500' }, artefacts: { type: 'string', default: '200' } } });
const subscribers = Number(values.subscribers);
const artefacts = Number(values.artefacts);

const dir = mkdtempSync(path.join(tmpdir(), 'archaive-bench-images-'));
const bench = await benchServer();
try {
  await writeTinyImages(dir, artefacts);
  const client = new ArchaiveClient(bench.url, bench.token);
  const files = await imagesUnder(dir);
  let batchId: string | null = null;
  for (let i = 0; i < files.length; i += 50) {
    const group = files.slice(i, i + 50);
    const payload: { batch: { id: string } } =
      batchId === null
        ? (await client.upload<{ createBatch: { batch: { id: string } } }>('mutation($files: [Upload!]!) { createBatch(name: "bench:progress", files: $files) { batch { id } } }', {}, group)).createBatch
        : (await client.upload<{ addToBatch: { batch: { id: string } } }>('mutation($batchId: ID!, $files: [Upload!]!) { addToBatch(batchId: $batchId, files: $files) { batch { id } } }', { batchId }, group)).addToBatch;
    batchId = payload.batch.id;
  }

  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/progress-subscribers.ts', bench.url, bench.token, batchId as string, String(subscribers)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('ready\n')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  await ready;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  const started = Date.now();
  await client.request('mutation($batchId: ID!) { startBatch(batchId: $batchId) { stage } }', { batchId });
  const code = await exited;
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`the subscribers' process exited with ${code}`);
  const r = JSON.parse(out.split('\n').find((line) => line.startsWith('{')) as string) as { subscribers: number; received: number; lost: number; p50: number; p99: number; max: number; subscriberRss: number };
  console.log(`machine: ${machine()}; ${new Date().toISOString()}`);
  console.log('| subscribers | artefacts | events per subscriber | events delivered | lost | p50 ms | p99 ms | max ms | processing s | server RSS MiB (before → peak) | subscribers\' RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${r.subscribers} | ${artefacts} | ${Math.round(r.received / r.subscribers)} | ${r.received} | ${r.lost} | ${r.p50} | ${r.p99} | ${r.max} | ${seconds.toFixed(1)} | ${mib(rssBefore)} → ${mib(rssPeak)} | ${mib(r.subscriberRss)} |`,
  );
} finally {
  await bench.close();
  rmSync(dir, { recursive: true, force: true });
}
