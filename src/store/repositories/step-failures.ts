import type { Db } from '../db.js';
import { placeholders } from '../db.js';

/** A processing step that failed on an artefact after its retries; the artefact itself was processed. */
export interface StepFailure {
  artefactId: string;
  step: string;
  code: string;
  message: string;
  attempts: number;
  failedAt: string;
}

interface StepFailureRow {
  artefact_id: string;
  step: string;
  code: string;
  message: string;
  attempts: number;
  failed_at: string;
}

const toStepFailure = (r: StepFailureRow): StepFailure => ({
  artefactId: r.artefact_id,
  step: r.step,
  code: r.code,
  message: r.message,
  attempts: r.attempts,
  failedAt: r.failed_at,
});

/** The steps that failed on artefacts, one row per artefact and step (the latest failure). */
export class StepFailureRepository {
  constructor(private readonly db: Db) {}

  record(failure: StepFailure): void {
    this.db
      .query(
        `INSERT INTO artefact_step_failures (artefact_id, step, code, message, attempts, failed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (artefact_id, step) DO UPDATE SET code = excluded.code, message = excluded.message, attempts = excluded.attempts, failed_at = excluded.failed_at`,
      )
      .run(failure.artefactId, failure.step, failure.code, failure.message, failure.attempts, failure.failedAt);
  }

  /** The step succeeded (or had nothing to do): it no longer counts as failed. */
  clear(artefactId: string, step: string): void {
    this.db.query('DELETE FROM artefact_step_failures WHERE artefact_id = ? AND step = ?').run(artefactId, step);
  }

  ofArtefacts(artefactIds: readonly string[]): StepFailure[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<StepFailureRow>(`SELECT * FROM artefact_step_failures WHERE artefact_id IN (${placeholders(artefactIds.length)}) ORDER BY artefact_id, failed_at, step`)
      .all(...artefactIds)
      .map(toStepFailure);
  }

  /** The failures of a batch's artefacts. */
  ofBatch(batchId: string): StepFailure[] {
    return this.db
      .query<StepFailureRow>(
        'SELECT f.* FROM artefact_step_failures f JOIN batch_artefacts b ON b.artefact_id = f.artefact_id WHERE b.batch_id = ? ORDER BY b.position, f.step',
      )
      .all(batchId)
      .map(toStepFailure);
  }

  /** How many artefacts of each batch have at least one failed step. */
  artefactCounts(batchIds: readonly string[]): Map<string, number> {
    if (batchIds.length === 0) return new Map();
    const rows = this.db
      .query<{ batch_id: string; n: number }>(
        `SELECT b.batch_id, COUNT(DISTINCT f.artefact_id) AS n FROM artefact_step_failures f JOIN batch_artefacts b ON b.artefact_id = f.artefact_id
         WHERE b.batch_id IN (${placeholders(batchIds.length)}) GROUP BY b.batch_id`,
      )
      .all(...batchIds);
    return new Map(rows.map((r) => [r.batch_id, r.n]));
  }
}
