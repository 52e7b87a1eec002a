import { threadId } from 'node:worker_threads';
import { AppError, isAppError } from '../errors.js';
import { Tracer } from '../tracing/tracer.js';
import type { PortMessage, SerialisedError, TaskEnvelope, TaskOutcome } from './messages.js';

/** What a task handler gets besides its payload. */
export interface WorkerJob {
  /** Reports travel back to the main thread as messages, stamped with this thread's id. */
  tracer: Tracer;
  progress(step: string, message: string): void;
  /**
   * Throws CANCELLED when the task was cancelled. Called between steps only: aborting a running
   * onnxruntime inference kills the process (SIGABRT, measured on onnxruntime-node 1.30), so a step always runs to its end.
   */
  checkpoint(): void;
}

export type TaskHandler<P, R> = (payload: P, job: WorkerJob) => Promise<R>;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** An error as plain data, to cross a thread or a process boundary. */
export const serialise = (error: unknown): SerialisedError => {
  if (!isAppError(error)) return { code: 'INTERNAL', message: messageOf(error) };
  // The cause does not cross threads; its message is kept so the main side can say what happened.
  const cause = error.cause === undefined ? {} : { cause: messageOf(error.cause) };
  const details = { ...error.details, ...cause };
  return { code: error.code, message: error.message, ...(Object.keys(details).length > 0 ? { details } : {}) };
};

/**
 * Builds a Piscina handler around `handle`: a tracer and progress over the task's port, the
 * cancellation flag, errors returned as values, and the end marker posted last. `init` runs once
 * when the worker starts (create sessions, warm up); Piscina awaits the exported promise before
 * the first task.
 */
export const defineWorker = async <C, P, R>(
  init: () => Promise<C>,
  handle: (payload: P, job: WorkerJob, context: C) => Promise<R>,
): Promise<(task: TaskEnvelope<P>) => Promise<TaskOutcome<R>>> => {
  // Piscina swallows a rejected module export and reports a misleading loader error instead, so a
  // failed start (a missing model) is kept and returned as every task's error.
  let context: C;
  let initError: SerialisedError | null = null;
  try {
    context = await init();
  } catch (error) {
    initError = serialise(error);
  }
  return async (task) => {
    const post = (message: PortMessage): void => task.port.postMessage(message);
    const tracer = new Tracer((report) => post({ type: 'report', report }), task.traceId);
    if (!task.tracing) tracer.pause();
    const job: WorkerJob = {
      tracer,
      progress: (step, message) => post({ type: 'progress', step, message }),
      checkpoint: () => {
        if (Atomics.load(task.cancel, 0) === 1) throw new AppError('CANCELLED', 'The task was cancelled', { threadId });
      },
    };
    try {
      if (initError !== null) return { ok: false, error: initError };
      job.checkpoint();
      return { ok: true, value: await handle(task.payload, job, context) };
    } catch (error) {
      return { ok: false, error: serialise(error) };
    } finally {
      // The main side closes the port once it has seen this.
      post({ type: 'end' });
    }
  };
};
