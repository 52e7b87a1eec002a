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
  /** Numbers of its start and finish among its batch's trace events; null outside a batch or while open. */
  startedSeq: number | null;
  finishedSeq: number | null;
}

export interface StoredReport extends TraceReport {
  seq: number;
  /** Its number among its batch's trace events; null outside a batch. */
  batchSeq: number | null;
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
  started_seq: number | null;
  finished_seq: number | null;
}

interface ReportRow {
  seq: number;
  batch_seq: number | null;
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
  startedSeq: r.started_seq,
  finishedSeq: r.finished_seq,
});

const toReport = (r: ReportRow): StoredReport => ({
  seq: r.seq,
  batchSeq: r.batch_seq,
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

  /** Opens a trace; in a batch, its start takes the batch's next trace-event number. */
  create(input: { id: string; purpose: string; artefactId: string | null; batchId: string | null }): Trace {
    return this.db.transaction(() => {
      const seq = input.batchId === null ? null : this.nextSeq(input.batchId);
      this.db
        .query('INSERT INTO traces (id, purpose, artefact_id, batch_id, created_at, started_seq) VALUES (?, ?, ?, ?, ?, ?)')
        .run(input.id, input.purpose, input.artefactId, input.batchId, new Date().toISOString(), seq);
      return this.byIds([input.id])[0] as Trace;
    });
  }

  /** Records how a run ended; undefined when the trace is gone or had already ended. */
  finish(id: string, outcome: string): Trace | undefined {
    return this.db.transaction(() => {
      const open = this.db.query<TraceRow>(`${SELECT} WHERE id = ? AND finished_at IS NULL`).get(id);
      return open === undefined ? undefined : this.close(toTrace(open), outcome);
    });
  }

  /** Finishes every trace still open with `outcome`; returns them. */
  finishUnfinished(outcome: string): Trace[] {
    return this.db.transaction(() =>
      this.db
        .query<TraceRow>(`${SELECT} WHERE finished_at IS NULL ORDER BY rowid`)
        .all()
        .map((row) => this.close(toTrace(row), outcome)),
    );
  }

  /** Writes many reports in one transaction (the tracer batches them); those of a batch's traces take its next numbers. */
  addReports(reports: readonly TraceReport[]): StoredReport[] {
    if (reports.length === 0) return [];
    return this.db.transaction(() => {
      const insert = this.db.query(
        'INSERT INTO trace_reports (trace_id, source, message, level, worker_id, at, duration_ms, data, batch_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const batchOf = new Map<string, string | null>();
      return reports.map((r) => {
        if (!batchOf.has(r.tracerId)) batchOf.set(r.tracerId, this.byIds([r.tracerId])[0]?.batchId ?? null);
        const batchId = batchOf.get(r.tracerId) ?? null;
        const batchSeq = batchId === null ? null : this.nextSeq(batchId);
        const { lastInsertRowid } = insert.run(r.tracerId, r.source, r.message, r.level, r.workerId, r.at, r.durationMs, r.data === null ? null : JSON.stringify(r.data), batchSeq);
        return { ...r, seq: Number(lastInsertRowid), batchSeq };
      });
    });
  }

  /** The batch's last trace-event number (0 before any). */
  batchSeq(batchId: string): number {
    return this.db.query<{ trace_seq: number }>('SELECT trace_seq FROM batches WHERE id = ?').get(batchId)?.trace_seq ?? 0;
  }

  /** A batch's numbered traces (optionally one artefact's), oldest first. */
  ofBatch(batchId: string, artefactId: string | null): Trace[] {
    const sql = `${SELECT} WHERE batch_id = ? AND started_seq IS NOT NULL${artefactId === null ? '' : ' AND artefact_id = ?'} ORDER BY started_seq`;
    return this.db.query<TraceRow>(sql).all(...(artefactId === null ? [batchId] : [batchId, artefactId])).map(toTrace);
  }

  /** The numbered reports of a batch's traces (optionally one artefact's) at the given levels, in the order they were numbered. */
  numberedReports(batchId: string, artefactId: string | null, levels: readonly TraceLevel[]): StoredReport[] {
    if (levels.length === 0) return [];
    const sql = `SELECT r.id AS seq, r.* FROM trace_reports r JOIN traces t ON t.id = r.trace_id
      WHERE t.batch_id = ?${artefactId === null ? '' : ' AND t.artefact_id = ?'} AND r.batch_seq IS NOT NULL AND r.level IN (${placeholders(levels.length)})
      ORDER BY r.batch_seq`;
    return this.db
      .query<ReportRow>(sql)
      .all(batchId, ...(artefactId === null ? [] : [artefactId]), ...levels)
      .map(toReport);
  }

  private close(trace: Trace, outcome: string): Trace {
    const finishedAt = new Date().toISOString();
    const finishedSeq = trace.batchId === null ? null : this.nextSeq(trace.batchId);
    this.db.query('UPDATE traces SET finished_at = ?, outcome = ?, finished_seq = ? WHERE id = ?').run(finishedAt, outcome, finishedSeq, trace.id);
    return { ...trace, finishedAt, outcome, finishedSeq };
  }

  /** Takes the batch's next trace-event number; null when the batch is gone. */
  private nextSeq(batchId: string): number | null {
    return this.db.query<{ trace_seq: number }>('UPDATE batches SET trace_seq = trace_seq + 1 WHERE id = ? RETURNING trace_seq').get(batchId)?.trace_seq ?? null;
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
