/**
 * npm run bench:pipelines [-- --runs N] [--given] [--print-only] — each sample in test/fixtures/samples through one worker and
 * through a pool of two: per-artefact time (p50, p95; on one worker also CPU time) and the steps' median times, the pool's
 * speed-up on the same workload, model load time per worker and peak RSS. Prints a table and
 * appends it with the machine and date to bench/RESULTS.md under "## Pipelines" (not with --print-only,
 * for runs compared before one is recorded).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import type { ArtefactKind } from '../src/artefact-kind.js';
import { loadConfig } from '../src/config.js';
import { addResults } from './lib.js';
import { artefactModelPaths } from '../src/pipelines/artefact/engines.js';
import type { ArtefactResult, ArtefactTask } from '../workers/artefact-task.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, given: { type: 'boolean', default: false }, 'print-only': { type: 'boolean', default: false } },
});
const runs = Math.max(1, Number(values.runs));
const loadBefore = loadavg()[0] ?? NaN;
const samplesDir = path.resolve(process.cwd(), 'test/fixtures/samples');
const SAMPLES: { file: string; kind: ArtefactKind }[] = [
  { file: 'panel-photo.png', kind: 'HF' },
  { file: 'group-photo.png', kind: 'HF' },
  { file: 'minutes-page.jpg', kind: 'MM' },
];

/** The application's worker pool of `size`, built by the composition root over a temporary store. */
const openPool = async (size: number) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'archaive-bench-'));
  const app = await createApp(loadConfig({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { poolSize: size });
  return {
    app,
    pool: app.jobs.process.workerPool(),
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

const single = await openPool(1);
const paths = await artefactModelPaths(single.app.models);
// With the classifier in place each artefact is classified first, as in production; without it, or
// with --given, each sample's known kind is given, so the table always times the right pipeline.
const classify = !values.given && existsSync(paths.classifier);
const images = await Promise.all(SAMPLES.map(async (s) => ({ ...s, image: await readFile(path.join(samplesDir, s.file)) })));
const taskOf = (s: (typeof images)[number]): ArtefactTask => (classify ? { image: s.image } : { image: s.image, kind: s.kind });

const quantile = (xs: readonly number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};

interface Phase {
  wallMs: number;
  /** Highest resident set size sampled while this pool was alive, MB. */
  rssMb: number;
  times: Map<string, number[]>;
  steps: Map<string, Record<string, number[]>>;
  loadMs: number[];
  faces: Map<string, number>;
}

/** Every sample `runs` times, all submitted at once, through a pool of `size`. */
const phase = async (size: number): Promise<Phase> => {
  let rss = 0;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
  const opened = await openPool(size);
  const { pool } = opened;
  // One task per worker first: it waits for the workers' model loading and warm-up.
  const warm = await Promise.all(Array.from({ length: size }, () => pool.run(taskOf(images[0]!), { tracing: false })));
  const times = new Map<string, number[]>();
  const steps = new Map<string, Record<string, number[]>>();
  const faces = new Map<string, number>();
  const started = performance.now();
  const jobs = images.flatMap((s) =>
    Array.from({ length: runs }, async () => {
      const t = performance.now();
      const result: ArtefactResult = await pool.run(taskOf(s), { tracing: false });
      const ms = performance.now() - t;
      times.set(s.file, [...(times.get(s.file) ?? []), ms]);
      const perStep = steps.get(s.file) ?? {};
      for (const [step, v] of Object.entries(result.timings)) perStep[step] = [...(perStep[step] ?? []), v];
      steps.set(s.file, perStep);
      faces.set(s.file, result.faces.length);
    }),
  );
  await Promise.all(jobs);
  const wallMs = performance.now() - started;
  await opened.close();
  clearInterval(sampler);
  return { wallMs, rssMb: rss / 2 ** 20, times, steps, faces, loadMs: [...new Set(warm.map((w) => `${w.worker.threadId}:${w.worker.modelLoadMs}`))].map((k) => Number(k.split(':')[1])) };
};

// Sequential latency through one worker: one task at a time, so times are not queueing.
const firstStarted = performance.now();
const first = await single.pool.run(taskOf(images[0]!), { tracing: false });
const firstTaskMs = performance.now() - firstStarted;
const latency = new Map<string, number[]>();
// CPU time of the whole process per task (the worker's inference, sharp's threads, the main thread's
// small share): on a shared machine wall time grows with other jobs' load, CPU time much less.
const cpuTimes = new Map<string, number[]>();
const stepTimes = new Map<string, Record<string, number[]>>();
const faceCounts = new Map<string, number>();
const kinds = new Map<string, string>();
for (const s of images) {
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const r = await single.pool.run(taskOf(s), { tracing: false });
    latency.set(s.file, [...(latency.get(s.file) ?? []), performance.now() - t]);
    const used = process.cpuUsage(cpu);
    cpuTimes.set(s.file, [...(cpuTimes.get(s.file) ?? []), (used.user + used.system) / 1000]);
    const perStep = stepTimes.get(s.file) ?? {};
    for (const [step, v] of Object.entries(r.timings)) perStep[step] = [...(perStep[step] ?? []), v];
    stepTimes.set(s.file, perStep);
    faceCounts.set(s.file, r.faces.length);
    kinds.set(s.file, r.kindSource === 'given' ? `${r.kind} (given)` : `${r.kind} (classified, expected ${s.kind})`);
  }
}
await single.close();
const one = await phase(1);
const two = await phase(2);
const peakRssMb = process.resourceUsage().maxRSS / 1024;

const f0 = (n: number): string => Math.round(n).toString();
const lines: string[] = [];
lines.push(`| sample | kind | faces | 1 worker p50 ms | 1 worker p95 ms | 1 worker CPU p50 ms | pool of 2 p50 ms | pool of 2 p95 ms | median steps (1 worker), ms |`);
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const s of images) {
  const lat = latency.get(s.file) ?? [];
  const pooled = two.times.get(s.file) ?? [];
  const steps = Object.entries(stepTimes.get(s.file) ?? {})
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${f0(quantile(v, 0.5))}`)
    .join(', ');
  lines.push(`| ${s.file} | ${kinds.get(s.file) ?? s.kind} | ${faceCounts.get(s.file) ?? 0} | ${f0(quantile(lat, 0.5))} | ${f0(quantile(lat, 0.95))} | ${f0(quantile(cpuTimes.get(s.file) ?? [], 0.5))} | ${f0(quantile(pooled, 0.5))} | ${f0(quantile(pooled, 0.95))} | ${steps} |`);
}
const tasks = images.length * runs;
const speedUp = one.wallMs / two.wallMs;
const summary = [
  `Throughput on the same ${tasks} tasks submitted at once: 1 worker ${f0(one.wallMs)} ms (${(tasks / (one.wallMs / 1000)).toFixed(2)} artefacts/s), ` +
    `2 workers ${f0(two.wallMs)} ms (${(tasks / (two.wallMs / 1000)).toFixed(2)} artefacts/s): **speed-up ${speedUp.toFixed(2)}×**.`,
  `Model load and warm-up per worker (all sessions, in the worker): ${[...one.loadMs, ...two.loadMs].map(f0).join(', ')} ms; ` +
    `first task through a fresh 1-worker pool (thread start, bundle, load, warm-up and the task): ${f0(firstTaskMs)} ms (load ${f0(first.worker.modelLoadMs)} ms).`,
  `Resident memory of the process (main thread and workers): highest sample ${f0(one.rssMb)} MB with 1 worker, ${f0(two.rssMb)} MB with 2 workers; peak RSS over the whole run (three pools in turn) ${f0(peakRssMb)} MB.`,
  classify ? 'Each task includes classification.' : `Kinds were given (${values.given ? '--given' : 'no classifier model'}): no task includes classification.`,
];
const machine = `${cpus().length}-core ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
const entry = [
  `### ${when} UTC`,
  '',
  `Machine: ${machine}. ${runs} runs per sample. Load average before the run ${loadBefore.toFixed(1)}, after it ${loadavg()[0]?.toFixed(1)} (other jobs shared the machine); one onnxruntime thread per worker.`,
  '',
  ...lines,
  '',
  ...summary.map((s) => `- ${s}`),
  '',
].join('\n');
console.log(entry);

if (!values['print-only']) {
  addResults(
    'Pipelines',
    '`npm run bench:pipelines`: each sample through one worker (one task at a time) and through a pool of two (all tasks submitted at once); times are per artefact, measured on the main thread around the pool call.',
    entry,
  );
  console.log('appended to bench/RESULTS.md');
}
