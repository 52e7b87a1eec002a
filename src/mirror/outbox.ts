import type { Db } from '../store/db.js';

/** A document waiting to be sent, with the number of its last change (its place in the order). */
export interface PendingChange {
  path: string;
  seq: number;
}

export interface OutboxStats {
  /** Documents waiting to be sent. */
  length: number;
  /** When the oldest unsent change was made; null when nothing waits. */
  oldestAt: string | null;
}

/** The path of the one document that says which layout the mirror holds (see docs/firebase.md). */
export const META_PATH = 'meta';

// Every mirrored document, in the order a full send takes: files before what refers to them.
const EVERYTHING = `
  SELECT '${META_PATH}' AS p
  UNION ALL SELECT 'files/' || sha256 FROM files
  UNION ALL SELECT 'users/' || id FROM users
  UNION ALL SELECT 'artefacts/' || id FROM artefacts
  UNION ALL SELECT 'figures/' || id FROM figures
  UNION ALL SELECT 'categories/' || id FROM categories
  UNION ALL SELECT 'books/' || id FROM books
  UNION ALL SELECT 'batches/' || id FROM batches`;

/**
 * The outbox the triggers of src/mirror/outbox-schema.ts fill, and the mirror's target: where the
 * mirror goes decides whether the triggers record at all, and a new target is sent everything.
 */
export class MirrorOutbox {
  constructor(private readonly db: Db) {}

  /**
   * Points the mirror at `target` (null: off). Off forgets what waits: a mirror turned on again gets
   * everything anyway. A target other than the last one (a first start, another project or bucket)
   * gets everything queued; returns how many documents were queued.
   */
  follow(target: string | null): number {
    return this.db.transaction(() => {
      const current = this.db.query<{ target: string | null }>('SELECT target FROM mirror_state WHERE id = 1').get()?.target ?? null;
      if (current === target) return 0;
      this.db.query('UPDATE mirror_state SET target = ? WHERE id = 1').run(target);
      this.db.query('DELETE FROM mirror_outbox').run();
      return target === null ? 0 : this.enqueueEverything();
    });
  }

  /** The target the triggers record for, or null while the mirror is off. */
  target(): string | null {
    return this.db.query<{ target: string | null }>('SELECT target FROM mirror_state WHERE id = 1').get()?.target ?? null;
  }

  /** Queues every mirrored document again (after a bucket or database was lost); returns how many. */
  enqueueEverything(): number {
    return this.db.transaction(() => {
      const queued = this.db
        .query(
          `INSERT INTO mirror_outbox (path, seq, first_at)
           SELECT p, (SELECT change_seq FROM mirror_state WHERE id = 1) + ROW_NUMBER() OVER (), ?
           FROM (${EVERYTHING}) WHERE true
           ON CONFLICT (path) DO UPDATE SET seq = excluded.seq`,
        )
        .run(new Date().toISOString()).changes;
      this.db.query('UPDATE mirror_state SET change_seq = (SELECT MAX(seq) FROM mirror_outbox) WHERE id = 1 AND EXISTS (SELECT 1 FROM mirror_outbox)').run();
      return queued;
    });
  }

  /** The oldest `limit` documents waiting, in the order of their last change. */
  next(limit: number): PendingChange[] {
    return this.db.query<PendingChange>('SELECT path, seq FROM mirror_outbox ORDER BY seq LIMIT ?').all(limit);
  }

  /** Forgets what was sent, unless it changed again meanwhile (then its new state is still to go). */
  acknowledge(sent: readonly PendingChange[]): void {
    this.db.transaction(() => {
      for (const s of sent) this.db.query('DELETE FROM mirror_outbox WHERE path = ? AND seq = ?').run(s.path, s.seq);
    });
  }

  stats(): OutboxStats {
    const row = this.db.query<{ length: number; oldest: string | null }>('SELECT COUNT(*) AS length, MIN(first_at) AS oldest FROM mirror_outbox').get();
    return { length: row?.length ?? 0, oldestAt: row?.oldest ?? null };
  }
}
