/**
 * npm run bench:scale [-- --count 30] — the same artefacts (the three samples in turn, classified
 * as in production) processed through the composition root by the embedded pool (one thread, then
 * two), by one remote worker and by two remote workers (`npm run worker` processes with one
 * inference thread each, over a redis-server this script starts on loopback). Artefacts per second
 * and the speed-up over the embedded thread, and the CPU time every process involved spent per
 * artefact (this one, the workers, redis-server: a figure that other load on the machine barely
 * moves); prints a table and appends it with the machine and date to bench/RESULTS.md under
 * "## Scale".
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Artefact } from '../src/store/repositories/artefacts.js';
import { startRedis, type RedisServer } from '../test/support/redis.js';
import { startWorkerProcess } from '../test/support/worker-process.js';
import { addResults, machine } from './lib.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '30' } } });
const count = Math.max(1, Number(values.count));
const samplesDir = path.resolve(process.cwd(), 'test/fixtures/samples');
const images = await Promise.all(['panel-photo.png', 'group-photo.png', 'minutes-page.jpg'].map((f) => readFile(path.join(samplesDir, f))));

interface Row {
  setup: string;
  threads: number;
  seconds: number;
  perSecond: number;
  /** CPU seconds per artefact, all processes together. */
  cpuPerArtefact: number;
}

/** CPU seconds a process has used (user and system, every thread), from /proc (Linux). */
const cpuOf = (pid: number): number => {
  // Fields after the command name, which is in parentheses and may hold spaces; utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** `n` new artefacts over the samples in turn. */
const artefacts = async (app: App, n: number, prefix: string): Promise<Artefact[]> =>
  Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const stored = await app.store.files.putImage(images[i % images.length] as Buffer);
      return app.store.artefacts.create({ name: `${prefix}-${i + 1}`, originalFilename: `${prefix}-${i + 1}`, fileSha256: stored.sha256, createdBy: null });
    }),
  );

/** Runs every artefact with `inFlight` at once, as the job queue does. */
const processAll = async (app: App, list: readonly Artefact[], inFlight: number): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < list.length) await app.jobs.process.run(list[next++] as Artefact);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
};

/**
 * One setup: `threads` inference threads, in this process (remote false) or in as many worker
 * processes. Twice as many artefacts in flight as threads, so a thread always has the next one
 * waiting while the API writes a result. The first round (two per thread) warms the models up and
 * is not timed.
 */
const measure = async (setup: string, threads: number, redis: RedisServer | null): Promise<Row> => {
  const redisUrl = redis?.url ?? null;
  const pids = [process.pid, ...(redis === null ? [] : [redis.pid])];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'archaive-scale-'));
  const workers = redisUrl === null ? [] : await Promise.all(Array.from({ length: threads }, () => startWorkerProcess(redisUrl)));
  const inFlight = 2 * threads;
  const app = await createApp(
    loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', WORKERS: String(redisUrl === null ? threads : inFlight), ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }) }),
  );
  try {
    await processAll(app, await artefacts(app, inFlight, 'warm'), inFlight);
    const list = await artefacts(app, count, 'timed');
    const all = [...pids, ...workers.map((w) => w.pid)];
    const cpu = () => all.reduce((sum, pid) => sum + cpuOf(pid), 0);
    const cpuBefore = cpu();
    const started = performance.now();
    await processAll(app, list, inFlight);
    const seconds = (performance.now() - started) / 1000;
    const row = { setup, threads, seconds, perSecond: count / seconds, cpuPerArtefact: (cpu() - cpuBefore) / count };
    console.log(`${setup}: ${count} artefacts in ${seconds.toFixed(1)} s`);
    return row;
  } finally {
    await app.close();
    await Promise.all(workers.map((w) => w.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
};

const load = loadavg()[0] ?? 0;
const redis = await startRedis();
const rows: Row[] = [];
try {
  rows.push(await measure('embedded pool, 1 thread', 1, null));
  rows.push(await measure('embedded pool, 2 threads', 2, null));
  rows.push(await measure('1 remote worker (1 thread)', 1, redis));
  rows.push(await measure('2 remote workers (1 thread each)', 2, redis));
} finally {
  await redis.stop();
}
const base = rows[0]?.perSecond ?? NaN;
const table = [
  '| Setup | Inference threads | Wall time (s) | Artefacts/s | Speed-up vs 1 embedded thread | CPU s per artefact (all processes) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.setup} | ${r.threads} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(2)} | ${(r.perSecond / base).toFixed(2)}× | ${r.cpuPerArtefact.toFixed(2)} |`),
].join('\n');
console.log(table);
const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
addResults(
  'Scale',
  '`npm run bench:scale`: the same artefacts through the embedded pool and through remote workers over a redis-server on loopback.',
  `### ${stamp} UTC\n\n${count} artefacts (the three samples in turn, classified); ${machine()}; load average ${load.toFixed(1)} at the start. The API, redis-server and the workers share this machine's cores.\n\n${table}`,
);
