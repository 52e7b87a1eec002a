import { randomUUID } from 'node:crypto';
import type { TraceRepository } from '../store/repositories/traces.js';
import { Tracer, type TraceReport } from '../tracing/tracer.js';

/** Reports are written in batches of this many, and whatever is left when the run flushes or finishes. */
const BATCH = 50;

/**
 * An ArchSmith trace kept in the store: the trace row is created at once, its reports are buffered
 * and written in one transaction per batch, and `finish` writes the rest and the outcome.
 */
export class StoredTrace {
  readonly tracer: Tracer;
  private pending: TraceReport[] = [];

  constructor(
    private readonly traces: TraceRepository,
    purpose: string,
    about: { artefactId?: string | null; batchId?: string | null },
  ) {
    const id = randomUUID();
    traces.create({ id, purpose, artefactId: about.artefactId ?? null, batchId: about.batchId ?? null });
    this.tracer = new Tracer((report) => {
      this.pending.push(report);
      if (this.pending.length >= BATCH) this.flush();
    }, id);
  }

  get id(): string {
    return this.tracer.id;
  }

  flush(): void {
    const reports = this.pending;
    this.pending = [];
    this.traces.addReports(reports);
  }

  finish(outcome: string): void {
    this.flush();
    this.traces.finish(this.id, outcome);
  }
}
