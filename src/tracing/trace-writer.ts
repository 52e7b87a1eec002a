import { randomUUID } from 'node:crypto';
import { isAppError } from '../errors.js';
import type { TraceEvent } from '../events.js';
import type { Trace, TraceRepository } from '../store/repositories/traces.js';
import { finishedEvent, reportEvent, startedEvent } from './trace-events.js';
import { Tracer, type TraceReport } from './tracer.js';

export interface TraceWriterOptions {
  /** Reports held before a write. */
  maxBatch: number;
  /** Longest a report waits in memory before it is written. */
  flushMs: number;
}

// Short enough that trace-event subscribers follow a run as it goes, long enough to write the
// reports of several threads together.
export const DEFAULT_TRACE_WRITER_OPTIONS: Readonly<TraceWriterOptions> = { maxBatch: 200, flushMs: 20 };

export interface TraceStart {
  /** What the run is, e.g. "artefact.process". */
  purpose: string;
  artefactId?: string | null;
  batchId?: string | null;
}

/**
 * The main thread's side of tracing: creates a trace row per pipeline run, takes the reports of
 * every thread (worker reports arrive as messages) and writes them to SQLite in batches, flushed
 * when the batch is full, after `flushMs`, when a trace finishes and on close. While paused,
 * reports are dropped (traces are still opened and finished). Once written, the events of a
 * batch's traces (started, each report, finished) are published, numbered by the store.
 */
export class TraceWriter {
  private buffer: TraceReport[] = [];
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  /** Traces opened here and not finished yet: what their report events carry. */
  private readonly open = new Map<string, Trace>();

  constructor(
    private readonly traces: TraceRepository,
    private readonly publish: (event: TraceEvent) => void,
    private readonly options: Readonly<TraceWriterOptions> = DEFAULT_TRACE_WRITER_OPTIONS,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Opens a trace and returns its id (the id every tracer of the run reports under). */
  begin(start: TraceStart): string {
    const trace = this.traces.create({ id: randomUUID(), purpose: start.purpose, artefactId: start.artefactId ?? null, batchId: start.batchId ?? null });
    this.open.set(trace.id, trace);
    startedEvent(trace, false).forEach(this.publish);
    return trace.id;
  }

  /** A TraceSink: pass it to a Tracer, or a pool task's onReport. */
  readonly add = (report: TraceReport): void => {
    if (this.paused) return;
    this.buffer.push(report);
    if (this.buffer.length >= this.options.maxBatch) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.options.flushMs);
      // close() flushes; a pending write must not keep a finished CLI alive.
      this.timer.unref();
    }
  };

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    for (const report of this.traces.addReports(batch)) {
      const trace = this.open.get(report.tracerId) ?? this.traces.byIds([report.tracerId])[0];
      if (trace) reportEvent(trace, report, false).forEach(this.publish);
    }
  }

  /**
   * Runs `work` under a new trace and finishes it with the outcome: "ok", or the error's code (then
   * the error is rethrown).
   */
  async run<T>(start: TraceStart, work: (tracer: Tracer, traceId: string) => Promise<T>): Promise<T> {
    const traceId = this.begin(start);
    try {
      const value = await work(new Tracer(this.add, traceId), traceId);
      this.finish(traceId, 'ok');
      return value;
    } catch (error) {
      this.finish(traceId, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }

  /** Writes what is pending and records how the run ended ("ok", "cancelled", an error code). */
  finish(traceId: string, outcome: string): void {
    this.flush();
    this.open.delete(traceId);
    const trace = this.traces.finish(traceId, outcome);
    if (trace) finishedEvent(trace, false).forEach(this.publish);
  }

  /** At boot, before any run: the traces a stopped or crashed process left open end as interrupted. */
  interruptUnfinished(): number {
    const finished = this.traces.finishUnfinished('interrupted');
    for (const trace of finished) finishedEvent(trace, false).forEach(this.publish);
    return finished.length;
  }

  close(): void {
    this.flush();
  }
}
