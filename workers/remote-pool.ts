import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { AppError } from '../src/errors.js';
import type { Log } from '../src/jobs/queue.js';
import type { RunOptions } from '../src/pool/pool.js';
import type { ArtefactPool } from './artefact-pool.js';
import type { ArtefactResult, ArtefactTask } from './artefact-task.js';
import { cancelKey, decodeResult, encodeTask, REMOTE_QUEUE, type RemoteJobData, type RemoteOutcome, type RemoteProgress } from './remote-wire.js';

interface Pending {
  options: RunOptions;
  data: RemoteJobData;
  /** Not found in Redis at the last look. */
  missing: boolean;
  settle(outcome: RemoteOutcome | Error): void;
}

/** How often the jobs awaited are looked for in Redis (a Redis restarted empty has lost them). */
const RECHECK_MS = 5000;

/** How long a cancellation mark outlives the job it names. */
const CANCEL_TTL_SECONDS = 3600;

/**
 * The artefact pool of the API when REDIS_URL is set: each task becomes one BullMQ job that any
 * `npm run worker` process takes and runs in its own threads; progress and trace reports come back
 * as job progress, the result as the job's return value. Each job is settled once, by its id, so a
 * job that another worker redid after a crash is still applied once (by the caller, here).
 */
export class RemoteArtefactPool implements ArtefactPool {
  private readonly queue: Queue<RemoteJobData, RemoteOutcome>;
  private readonly events: QueueEvents;
  private readonly pending = new Map<string, Pending>();
  private readonly ready: Promise<unknown>;
  private readonly recheck: NodeJS.Timeout;

  constructor(url: string, log: Log) {
    const connection = { url, maxRetriesPerRequest: null };
    this.queue = new Queue<RemoteJobData, RemoteOutcome>(REMOTE_QUEUE, { connection });
    this.events = new QueueEvents(REMOTE_QUEUE, { connection });
    // Redis unreachable: logged, and the connections retry on their own; jobs wait meanwhile.
    this.queue.on('error', (error) => log('remote work queue: Redis error', error));
    this.events.on('error', (error) => log('remote work events: Redis error', error));
    this.events.on('progress', ({ jobId, data }) => this.progress(jobId, data as RemoteProgress));
    this.events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, returnvalue as unknown as RemoteOutcome));
    // A failed job is one whose workers were lost more often than BullMQ allows.
    this.events.on('failed', ({ jobId, failedReason }) => this.settle(jobId, new AppError('WORKER_CRASHED', `A remote worker was lost: ${failedReason}`)));
    // Jobs a previous run of the API left waiting belong to artefacts its recovery queued again.
    this.ready = Promise.all([this.events.waitUntilReady(), this.queue.waitUntilReady().then(() => this.queue.drain())]);
    this.recheck = setInterval(() => void this.requeueLost().catch(() => undefined), RECHECK_MS);
  }

  async run(task: ArtefactTask, options: RunOptions = {}): Promise<ArtefactResult> {
    await this.ready;
    const jobId = randomUUID();
    const data: RemoteJobData = { task: encodeTask(task), traceId: options.traceId ?? randomUUID(), tracing: options.tracing ?? true };
    const outcome = new Promise<RemoteOutcome | Error>((resolve) => this.pending.set(jobId, { options, data, missing: false, settle: resolve }));
    // If Redis cannot be reached to mark it, the job runs to its end unheard.
    const onAbort = (): void => void this.cancel(jobId).catch(() => undefined);
    try {
      await this.add(jobId, data);
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settled = await outcome;
      if (settled instanceof Error) throw settled;
      if (!settled.ok) throw new AppError(settled.error.code, settled.error.message, settled.error.details);
      return decodeResult(settled.value);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.pending.delete(jobId);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.recheck);
    await this.events.close();
    await this.queue.close();
  }

  private async add(jobId: string, data: RemoteJobData): Promise<void> {
    await this.queue.add('artefact', data, { jobId, removeOnComplete: true, removeOnFail: 1000 });
  }

  /**
   * A job awaited but missing from Redis twice in a row (so not one that just completed, whose event
   * is on its way) was lost with Redis's memory: it is queued again under its id.
   */
  private async requeueLost(): Promise<void> {
    for (const [jobId, pending] of this.pending) {
      const gone = (await this.queue.getJobState(jobId)) === 'unknown';
      if (gone && pending.missing && this.pending.has(jobId)) await this.add(jobId, pending.data);
      pending.missing = gone && !pending.missing;
    }
  }

  private progress(jobId: string, message: RemoteProgress): void {
    const options = this.pending.get(jobId)?.options;
    if (message.type === 'progress') options?.onProgress?.(message.step, message.message);
    else options?.onReport?.(message.report);
  }

  /** The first outcome of a job wins; a later one (there should be none) is ignored. */
  private settle(jobId: string, outcome: RemoteOutcome | Error): void {
    const pending = this.pending.get(jobId);
    this.pending.delete(jobId);
    pending?.settle(outcome);
  }

  /**
   * Settled at once, so the artefact goes back to the queue even when no worker answers (a shutdown
   * never waits on a lost one). Then a waiting job is withdrawn, and a running one is marked: its
   * worker stops at the next step boundary, and its late outcome is ignored.
   */
  private async cancel(jobId: string): Promise<void> {
    this.settle(jobId, new AppError('CANCELLED', 'The task was cancelled'));
    const client = await this.queue.backend.client;
    await client.set(cancelKey(jobId), '1', { EX: CANCEL_TTL_SECONDS });
    await this.queue.remove(jobId);
  }
}
