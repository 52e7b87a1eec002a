import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import type { TraceReport } from '../tracing/tracer.js';

/** What a worker posts on a task's port while it runs. */
export type PortMessage =
  | { type: 'progress'; step: string; message: string }
  | { type: 'report'; report: TraceReport }
  /**
   * Always the last message of a task. A Piscina task's result can arrive before the messages the
   * worker posted, so the main side waits for this before it settles the task.
   */
  | { type: 'end' };

/** What the main thread sends a worker for one task. */
export interface TaskEnvelope<P> {
  payload: P;
  /** The task's own channel back to the main thread (transferred). */
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [0] becomes 1 when the task is cancelled. */
  cancel: Int32Array;
  /** The trace the worker's reports belong to. */
  traceId: string;
  /** Whether the worker sends trace reports at all. */
  tracing: boolean;
}

/** An error crossing the thread boundary as plain data (structured clone drops an Error's code). */
export interface SerialisedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** A worker's handler never throws: every failure comes back as a value, so a rejection means a crash. */
export type TaskOutcome<R> = { ok: true; value: R } | { ok: false; error: SerialisedError };
