import { hostname } from 'node:os';
import { Worker, type Job, type RedisClient } from 'bullmq';
import { serialise } from '../src/pool/worker-runtime.js';
import { Tracer } from '../src/tracing/tracer.js';
import type { ArtefactPool } from './artefact-pool.js';
import { cancelKey, decodeTask, encodeResult, REMOTE_QUEUE, type RemoteJobData, type RemoteOutcome, type RemoteProgress } from './remote-wire.js';

/** This process among the workers, as its traces name it. */
const WORKER_NAME = `${hostname()}:${process.pid}`;

/** How often a running job looks for its cancellation mark. */
const CANCEL_POLL_MS = 250;

export interface RemoteWorkerOptions {
  url: string;
  /** Jobs run at once: the pool's threads. */
  concurrency: number;
  /** A job whose worker stops renewing its lock this long is given to another worker. */
  lockMs: number;
}

/**
 * The worker side of RemoteArtefactPool (`npm run worker`): takes artefact jobs from Redis and runs
 * each in this process's thread pool, the same task as in the API. Progress and trace reports go
 * back in order as job progress, all of them before the result.
 */
export const startRemoteWorker = (pool: ArtefactPool, options: RemoteWorkerOptions): Worker<RemoteJobData, RemoteOutcome> => {
  const worker: Worker<RemoteJobData, RemoteOutcome> = new Worker<RemoteJobData, RemoteOutcome>(REMOTE_QUEUE, async (job) => run(job, pool, () => worker.backend.client), {
    connection: { url: options.url, maxRetriesPerRequest: null },
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    // A job is given to another worker after its worker was lost, twice at most; then it fails.
    maxStalledCount: 2,
  });
  // Redis unreachable: said, and the connection retries on its own.
  worker.on('error', (error) => console.error(`worker: ${error.message}`));
  return worker;
};

const run = async (job: Job<RemoteJobData, RemoteOutcome>, pool: ArtefactPool, redis: () => Promise<RedisClient>): Promise<RemoteOutcome> => {
  const id = job.id as string;
  const client = await redis();
  const controller = new AbortController();
  const poll = setInterval(() => {
    void client.get(cancelKey(id)).then((marked) => marked !== null && controller.abort(), () => undefined);
  }, CANCEL_POLL_MS);
  let sent: Promise<unknown> = Promise.resolve();
  // Chained, so they arrive in order; a lost one is only a missing line of progress.
  const send = (message: RemoteProgress): void => void (sent = sent.then(() => job.updateProgress(message)).catch(() => undefined));
  // Which worker ran the job, and which attempt it is (a second one follows a lost worker).
  const tracer = new Tracer((report) => send({ type: 'report', report }), job.data.traceId);
  if (!job.data.tracing) tracer.pause();
  tracer.report({ source: 'worker.remote', message: `Taken by worker ${WORKER_NAME}`, data: { worker: WORKER_NAME, attempt: job.attemptsStarted } });
  try {
    const value = await pool.run(decodeTask(job.data.task), {
      traceId: job.data.traceId,
      tracing: job.data.tracing,
      signal: controller.signal,
      onProgress: (step, message) => send({ type: 'progress', step, message }),
      onReport: (report) => send({ type: 'report', report }),
    });
    await sent;
    return { ok: true, value: encodeResult(value) };
  } catch (error) {
    await sent;
    return { ok: false, error: serialise(error) };
  } finally {
    clearInterval(poll);
  }
};
