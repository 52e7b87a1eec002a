import { randomUUID } from 'node:crypto';
import { Conditions } from '../conditions.js';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { CREATION_ORDER, listing, nextSeq, ordered, type ListOrder, type Listing, type PageArgs } from '../pagination.js';

export type BatchStage = 'UPLOAD_PENDING' | 'QUEUED' | 'PROCESSING' | 'CANCELLED' | 'VETTING' | 'INTEGRATING' | 'COMPLETED';
export type BatchArtefactStatus = 'UNPROCESSED' | 'PROCESSING' | 'PROCESSED' | 'FAILED' | 'CONFIRMED' | 'INTEGRATED';

export interface Batch {
  id: string;
  seq: number;
  name: string;
  stage: BatchStage;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface BatchArtefact {
  batchId: string;
  artefactId: string;
  position: number;
  status: BatchArtefactStatus;
  step: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  durationMs: number | null;
  processedAt: string | null;
  /** Steps a person asked to run again, waiting in the queue; null when none. */
  reprocessSteps: string[] | null;
}

interface BatchRow {
  id: string;
  seq: number;
  name: string;
  stage: BatchStage;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface BatchArtefactRow {
  batch_id: string;
  artefact_id: string;
  position: number;
  status: BatchArtefactStatus;
  step: string | null;
  error_code: string | null;
  error_message: string | null;
  duration_ms: number | null;
  processed_at: string | null;
  reprocess_steps: string | null;
}

const toBatch = (r: BatchRow): Batch => ({
  id: r.id,
  seq: r.seq,
  name: r.name,
  stage: r.stage,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toBatchArtefact = (r: BatchArtefactRow): BatchArtefact => ({
  batchId: r.batch_id,
  artefactId: r.artefact_id,
  position: r.position,
  status: r.status,
  step: r.step,
  errorCode: r.error_code,
  errorMessage: r.error_message,
  durationMs: r.duration_ms,
  processedAt: r.processed_at,
  reprocessSteps: r.reprocess_steps === null ? null : (JSON.parse(r.reprocess_steps) as string[]),
});

export class BatchRepository {
  constructor(private readonly db: Db) {}

  create(input: { name: string; createdBy: string | null }): Batch {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db.transaction(() =>
      this.db
        .query('INSERT INTO batches (id, seq, name, stage, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, nextSeq(this.db, 'batches'), input.name, 'UPLOAD_PENDING', input.createdBy, now, now),
    );
    return this.byIds([id])[0] as Batch;
  }

  byIds(ids: readonly string[]): Batch[] {
    if (ids.length === 0) return [];
    return this.db.query<BatchRow>(`SELECT * FROM batches WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toBatch);
  }

  page(args: PageArgs, filter: { stage?: BatchStage | null; search?: string | null; createdBy?: string | null }, order: ListOrder = CREATION_ORDER): Listing<Batch> {
    const c = new Conditions().when(filter.stage, 'stage = ?').when(filter.createdBy, 'created_by = ?').like(filter.search, 'name');
    const q = ordered({ sql: `SELECT * FROM batches WHERE ${c.sql}`, params: c.params, seq: 'seq' }, order, { updated: 'updated_at', name: 'name' });
    return listing<BatchRow, Batch>(this.db, q, args, toBatch);
  }

  addArtefact(batchId: string, artefactId: string): void {
    this.db.transaction(() => {
      const position =
        this.db.query<{ p: number }>('SELECT COALESCE(MAX(position), 0) + 1 AS p FROM batch_artefacts WHERE batch_id = ?').get(batchId)?.p ?? 1;
      this.db
        .query("INSERT INTO batch_artefacts (batch_id, artefact_id, position, status) VALUES (?, ?, ?, 'UNPROCESSED')")
        .run(batchId, artefactId, position);
      this.db.query('UPDATE batches SET updated_at = ? WHERE id = ?').run(new Date().toISOString(), batchId);
    });
  }

  /** The batch entry of each of many artefacts (an artefact belongs to at most one batch). */
  entriesOf(artefactIds: readonly string[]): BatchArtefact[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<BatchArtefactRow>(`SELECT * FROM batch_artefacts WHERE artefact_id IN (${placeholders(artefactIds.length)})`)
      .all(...artefactIds)
      .map(toBatchArtefact);
  }

  /** Per-status counts of many batches. */
  statusCounts(batchIds: readonly string[]): Map<string, Partial<Record<BatchArtefactStatus, number>>> {
    const result = new Map<string, Partial<Record<BatchArtefactStatus, number>>>();
    if (batchIds.length === 0) return result;
    const rows = this.db
      .query<{ batch_id: string; status: BatchArtefactStatus; n: number }>(
        `SELECT batch_id, status, COUNT(*) AS n FROM batch_artefacts WHERE batch_id IN (${placeholders(batchIds.length)}) GROUP BY batch_id, status`,
      )
      .all(...batchIds);
    for (const r of rows) result.set(r.batch_id, { ...result.get(r.batch_id), [r.status]: r.n });
    return result;
  }

  /** Every entry of a batch, in batch order. */
  entries(batchId: string): BatchArtefact[] {
    return this.db
      .query<BatchArtefactRow>('SELECT * FROM batch_artefacts WHERE batch_id = ? ORDER BY position')
      .all(batchId)
      .map(toBatchArtefact);
  }

  /** Sets an entry's status and what its last step said (an error, or null to clear it). */
  setEntryStatus(
    batchId: string,
    artefactId: string,
    status: BatchArtefactStatus,
    note: { step: string | null; errorCode: string | null; errorMessage: string | null },
  ): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .query('UPDATE batch_artefacts SET status = ?, step = ?, error_code = ?, error_message = ? WHERE batch_id = ? AND artefact_id = ?')
        .run(status, note.step, note.errorCode, note.errorMessage, batchId, artefactId);
      this.db.query('UPDATE batches SET updated_at = ? WHERE id = ?').run(now, batchId);
    });
  }

  /** Takes the batch's next batchProgress number (kept in the database, so it never goes back after a restart). */
  nextProgressSeq(id: string): number {
    return this.db.query<{ progress_seq: number }>('UPDATE batches SET progress_seq = progress_seq + 1 WHERE id = ? RETURNING progress_seq').get(id)?.progress_seq ?? 0;
  }

  /** The batch's last batchProgress number (0 before any). */
  progressSeq(id: string): number {
    return this.db.query<{ progress_seq: number }>('SELECT progress_seq FROM batches WHERE id = ?').get(id)?.progress_seq ?? 0;
  }

  setStage(id: string, stage: BatchStage): void {
    this.db.query('UPDATE batches SET stage = ?, updated_at = ? WHERE id = ?').run(stage, new Date().toISOString(), id);
  }

  rename(id: string, name: string): void {
    this.db.query('UPDATE batches SET name = ?, updated_at = ? WHERE id = ?').run(name, new Date().toISOString(), id);
  }

  delete(id: string): boolean {
    return this.db.query('DELETE FROM batches WHERE id = ?').run(id).changes > 0;
  }

  /** Updates an artefact's progress in its batch; only the fields given change. */
  updateEntry(
    artefactId: string,
    changes: Partial<Pick<BatchArtefact, 'status' | 'step' | 'errorCode' | 'errorMessage' | 'durationMs' | 'processedAt' | 'reprocessSteps'>>,
  ): void {
    const columns = {
      status: 'status',
      step: 'step',
      errorCode: 'error_code',
      errorMessage: 'error_message',
      durationMs: 'duration_ms',
      processedAt: 'processed_at',
      reprocessSteps: 'reprocess_steps',
    } as const;
    const keys = (Object.keys(columns) as (keyof typeof columns)[]).filter((k) => changes[k] !== undefined);
    if (keys.length === 0) return;
    const value = (k: keyof typeof columns): unknown => (k === 'reprocessSteps' && changes.reprocessSteps ? JSON.stringify(changes.reprocessSteps) : changes[k]);
    this.db
      .query(`UPDATE batch_artefacts SET ${keys.map((k) => `${columns[k]} = ?`).join(', ')} WHERE artefact_id = ?`)
      .run(...keys.map(value), artefactId);
  }

  /** Queues artefacts to be processed again with these steps (replacing an earlier request's); returns how many. */
  requestReprocess(artefactIds: readonly string[], steps: readonly string[]): number {
    if (artefactIds.length === 0) return 0;
    return this.db
      .query(`UPDATE batch_artefacts SET reprocess_steps = ? WHERE artefact_id IN (${placeholders(artefactIds.length)})`)
      .run(JSON.stringify(steps), ...artefactIds).changes;
  }

  /** Forgets the reprocessing requested for a batch's artefacts that the queue has not taken yet. */
  dropReprocess(batchId: string): number {
    return this.db.query('UPDATE batch_artefacts SET reprocess_steps = NULL WHERE batch_id = ? AND reprocess_steps IS NOT NULL').run(batchId).changes;
  }

  /** Batches in the given stages or with reprocessing requested, oldest first (the queue's work list). */
  withProcessingWork(stages: readonly BatchStage[]): Batch[] {
    return this.db
      .query<BatchRow>(
        `SELECT * FROM batches WHERE stage IN (${placeholders(stages.length)})
         OR id IN (SELECT batch_id FROM batch_artefacts WHERE reprocess_steps IS NOT NULL) ORDER BY seq`,
      )
      .all(...stages)
      .map(toBatch);
  }

  /** Batches in the given stages, oldest first (the processor's work list). */
  inStages(stages: readonly BatchStage[]): Batch[] {
    if (stages.length === 0) return [];
    return this.db
      .query<BatchRow>(`SELECT * FROM batches WHERE stage IN (${placeholders(stages.length)}) ORDER BY seq`)
      .all(...stages)
      .map(toBatch);
  }

  /**
   * After a stop or a crash, in every batch: artefacts left half-processed go back in the queue, and
   * a step left showing on any other (a reprocessing cut off) is cleared unless it is one of
   * `finishedSteps`, which record what ended. Returns how many went back in the queue.
   */
  requeueInterrupted(finishedSteps: readonly string[]): number {
    return this.db.transaction(() => {
      const requeued = this.db.query("UPDATE batch_artefacts SET status = 'UNPROCESSED', step = NULL WHERE status = 'PROCESSING'").run().changes;
      this.db
        .query(`UPDATE batch_artefacts SET step = NULL WHERE step IS NOT NULL AND step NOT IN (${placeholders(finishedSteps.length)})`)
        .run(...finishedSteps);
      return requeued;
    });
  }

  /** A reprocessing ended: its request goes, unless a new one replaced it meanwhile. */
  settleReprocess(artefactId: string, steps: readonly string[]): void {
    this.db.query('UPDATE batch_artefacts SET reprocess_steps = NULL WHERE artefact_id = ? AND reprocess_steps = ?').run(artefactId, JSON.stringify(steps));
  }
}
