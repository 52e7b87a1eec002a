import { randomUUID } from 'node:crypto';
import { threadId } from 'node:worker_threads';

/** ArchSmith tracing: one Tracer per pipeline run, passed by reference down every step. */
export type TraceLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every level, least severe first. */
export const TRACE_LEVELS: readonly TraceLevel[] = ['debug', 'info', 'warn', 'error'];

/** `minimum` and the levels above it. */
export const levelsFrom = (minimum: TraceLevel): TraceLevel[] => TRACE_LEVELS.slice(TRACE_LEVELS.indexOf(minimum));

export interface TraceReportInput {
  /** Which step wrote it, e.g. "faces.detect" or "ocr.recognise". */
  source: string;
  message: string;
  level?: TraceLevel;
  durationMs?: number;
  data?: Record<string, unknown>;
}

export interface TraceReport {
  tracerId: string;
  source: string;
  message: string;
  level: TraceLevel;
  /** worker_threads id of the thread that wrote it (0 is the main thread). */
  workerId: number;
  at: string;
  durationMs: number | null;
  data: Record<string, unknown> | null;
}

/** Where reports go: the SQLite store in the server, a message port inside a worker, an array in tests. */
export type TraceSink = (report: TraceReport) => void;

export class Tracer {
  readonly id: string;
  private paused = false;

  constructor(
    private readonly sink: TraceSink,
    id: string = randomUUID(),
  ) {
    this.id = id;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  report(input: TraceReportInput): void {
    if (this.paused) return;
    this.sink({
      tracerId: this.id,
      source: input.source,
      message: input.message,
      level: input.level ?? 'info',
      workerId: threadId,
      at: new Date().toISOString(),
      durationMs: input.durationMs ?? null,
      data: input.data ?? null,
    });
  }

  /**
   * Runs one step and reports it with its duration; `summarise` turns the result into the key
   * numbers worth keeping. A failing step is reported at level "error" and the error rethrown.
   */
  async step<T>(
    source: string,
    message: string,
    run: () => Promise<T> | T,
    summarise?: (result: T) => Record<string, unknown>,
  ): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      this.report({ source, message, durationMs: performance.now() - started, data: summarise?.(result) });
      return result;
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
      this.report({
        source,
        message: `${message} failed: ${error instanceof Error ? error.message : String(error)}`,
        level: 'error',
        durationMs: performance.now() - started,
        data: code === undefined ? undefined : { code },
      });
      throw error;
    }
  }
}

/** A tracer that keeps its reports in memory: for CLIs and tests. */
export const collectingTracer = (): { tracer: Tracer; reports: TraceReport[] } => {
  const reports: TraceReport[] = [];
  return { tracer: new Tracer((r) => reports.push(r)), reports };
};
