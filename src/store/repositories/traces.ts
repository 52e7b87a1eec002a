import type { TraceLevel, TraceReport } from '../../tracing/tracer.js';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { listing, type Listing, type PageArgs } from '../pagination.js';

export interface Trace {
  id: string;
  seq: number;
  purpose: string;
  artefactId: string | null;
  batchId: string | null;
  createdAt: string;
  finishedAt: string | null;
  outcome: string | null;
}

export interface StoredReport extends TraceReport {
  seq: number;
}

interface TraceRow {
  id: string;
  seq: number;
  purpose: string;
  artefact_id: string | null;
  batch_id: string | null;
  created_at: string;
  finished_at: string | null;
  outcome: string | null;
}

interface ReportRow {
  seq: number;
  trace_id: string;
  source: string;
  message: string;
  level: TraceLevel;
  worker_id: number;
  at: string;
  duration_ms: number | null;
  data: string | null;
}

const toTrace = (r: TraceRow): Trace => ({
  id: r.id,
  seq: r.seq,
  purpose: r.purpose,
  artefactId: r.artefact_id,
  batchId: r.batch_id,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  outcome: r.outcome,
});

const toReport = (r: ReportRow): StoredReport => ({
  seq: r.seq,
  tracerId: r.trace_id,
  source: r.source,
  message: r.message,
  level: r.level,
  workerId: r.worker_id,
  at: r.at,
  durationMs: r.duration_ms,
  data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
});

const SELECT = 'SELECT rowid AS seq, * FROM traces';

export class TraceRepository {
  constructor(private readonly db: Db) {}

  create(input: { id: string; purpose: string; artefactId: string | null; batchId: string | null }): void {
    this.db
      .query('INSERT INTO traces (id, purpose, artefact_id, batch_id, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(input.id, input.purpose, input.artefactId, input.batchId, new Date().toISOString());
  }

  finish(id: string, outcome: string): void {
    this.db.query('UPDATE traces SET finished_at = ?, outcome = ? WHERE id = ?').run(new Date().toISOString(), outcome, id);
  }

  /** Finishes every trace still open with `outcome`; returns how many. */
  finishUnfinished(outcome: string): number {
    return this.db.query('UPDATE traces SET finished_at = ?, outcome = ? WHERE finished_at IS NULL').run(new Date().toISOString(), outcome).changes;
  }

  /** Writes many reports in one transaction (the tracer batches them). */
  addReports(reports: readonly TraceReport[]): void {
    if (reports.length === 0) return;
    this.db.transaction(() => {
      const insert = this.db.query(
        'INSERT INTO trace_reports (trace_id, source, message, level, worker_id, at, duration_ms, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const r of reports) {
        insert.run(r.tracerId, r.source, r.message, r.level, r.workerId, r.at, r.durationMs, r.data === null ? null : JSON.stringify(r.data));
      }
    });
  }

  byIds(ids: readonly string[]): Trace[] {
    if (ids.length === 0) return [];
    return this.db.query<TraceRow>(`${SELECT} WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toTrace);
  }

  page(args: PageArgs, filter: { artefactId?: string | null; batchId?: string | null }): Listing<Trace> {
    const where = ['1 = 1'];
    const params: unknown[] = [];
    if (filter.artefactId) {
      where.push('artefact_id = ?');
      params.push(filter.artefactId);
    }
    if (filter.batchId) {
      where.push('batch_id = ?');
      params.push(filter.batchId);
    }
    return listing<TraceRow, Trace>(this.db, { sql: `${SELECT} WHERE ${where.join(' AND ')}`, params, seq: 'rowid' }, args, toTrace);
  }

  reports(traceId: string, args: PageArgs, filter: { level?: TraceLevel | null }): Listing<StoredReport> {
    const params: unknown[] = [traceId];
    let where = 'trace_id = ?';
    if (filter.level) {
      where += ' AND level = ?';
      params.push(filter.level);
    }
    return listing<ReportRow, StoredReport>(
      this.db,
      { sql: `SELECT id AS seq, * FROM trace_reports WHERE ${where}`, params, seq: 'id' },
      args,
      toReport,
    );
  }
}
