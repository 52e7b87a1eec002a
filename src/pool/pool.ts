import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { Piscina } from 'piscina';
import { AppError } from '../errors.js';
import { bundleWorker } from './bundle-worker.js';
import type { TraceReport } from '../tracing/tracer.js';
import type { PortMessage, TaskEnvelope, TaskOutcome } from './messages.js';

export interface WorkerPoolOptions {
  /** The worker module (see workerModule). */
  workerFile: WorkerModule;
  /** Number of worker threads; defaults to the number of cores. */
  size?: number;
  /** Passed to every worker (model paths). */
  workerData?: unknown;
}

export interface RunOptions {
  /** Cancels cooperatively: the worker stops at its next step boundary with CANCELLED. */
  signal?: AbortSignal;
  onProgress?: (step: string, message: string) => void;
  /** Every trace report the worker wrote, in order. */
  onReport?: (report: TraceReport) => void;
  /** The trace the worker's reports belong to; a fresh id when absent. */
  traceId?: string;
  /** False: the worker's tracer is paused for this task. */
  tracing?: boolean;
}

export interface WorkerModule {
  filename: string;
  execArgv: string[];
}

/**
 * The worker module at `relativeJs` from the calling module. From the build (dist/) it is the
 * compiled `.js` file; from TypeScript sources it is the `.ts` file, bundled for the worker.
 */
export const workerModule = (relativeJs: string, importerUrl: string): WorkerModule => {
  if (!importerUrl.endsWith('.ts')) return { filename: fileURLToPath(new URL(relativeJs, importerUrl)), execArgv: ['--enable-source-maps'] };
  const source = fileURLToPath(new URL(relativeJs.replace(/\.js$/, '.ts'), importerUrl));
  return { filename: bundleWorker(source), execArgv: ['--enable-source-maps'] };
};

/**
 * A fixed-size Piscina pool for onnxruntime work. Every worker starts at once (and warms its
 * models up). Tasks are never aborted through Piscina: aborting a thread inside onnxruntime kills
 * the process, so cancellation is a shared flag the worker checks between steps.
 */
export class WorkerPool<P, R> {
  readonly size: number;
  private readonly piscina: Piscina;

  constructor(options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.piscina = new Piscina({
      filename: options.workerFile.filename,
      execArgv: options.workerFile.execArgv,
      minThreads: this.size,
      maxThreads: this.size,
      // One task at a time per worker: a second one would only wait behind the first's inference.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: options.workerData,
    });
  }

  async run(payload: P, options: RunOptions = {}): Promise<R> {
    const { port1, port2 } = new MessageChannel();
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = (): void => void Atomics.store(cancel, 0, 1);
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let ended!: () => void;
    const endSeen = new Promise<void>((resolve) => (ended = resolve));
    port1.on('message', (message: PortMessage) => {
      if (message.type === 'end') ended();
      else if (message.type === 'progress') options.onProgress?.(message.step, message.message);
      else options.onReport?.(message.report);
    });
    const envelope: TaskEnvelope<P> = { payload, port: port2, cancel, traceId: options.traceId ?? randomUUID(), tracing: options.tracing ?? true };
    try {
      let outcome: TaskOutcome<R>;
      try {
        outcome = (await this.piscina.run(envelope, { transferList: [port2] })) as TaskOutcome<R>;
      } catch (cause) {
        // The handler returns every failure as a value; a rejection means the thread died.
        throw new AppError('WORKER_CRASHED', `A worker thread crashed: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
      }
      await endSeen;
      if (!outcome.ok) throw new AppError(outcome.error.code, outcome.error.message, outcome.error.details);
      return outcome.value;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  /** Waits for running and queued tasks, then stops the threads (never destroy(): aborting a thread inside onnxruntime kills the whole process with SIGABRT). */
  async close(): Promise<void> {
    await this.piscina.close();
  }
}
