import type { Db } from '../db.js';

/** A selective harvest's set: every member of one kind of collection, or of one collection. */
export type HarvestSet = { collection: 'category' | 'book'; id: string | null };

/** One artefact as a harvester sees it: when it last changed, or when it was deleted. */
export interface HarvestItem {
  artefactId: string;
  /** ISO instant: the artefact's `updated_at`, or the time of its deletion. */
  stamp: string;
  deleted: boolean;
}

/** Where a harvest left off: the last item returned, in (stamp, id) order. */
export interface HarvestKey {
  stamp: string;
  artefactId: string;
}

export interface HarvestQuery {
  /** Inclusive ISO bounds. */
  from: string;
  until: string;
  set: HarvestSet | null;
  after: HarvestKey | null;
  limit: number;
}

// Deletions are read from the audit log, which keeps every one (the artefact's row is gone).
const DELETED = `SELECT target_id AS id, at AS stamp, 1 AS deleted FROM audit_log WHERE action = 'artefact.delete' AND target_type = 'Artefact'`;

const MEMBERS = { category: 'category_members', book: 'book_members' } as const;
const COLLECTION_ID = { category: 'category_id', book: 'book_id' } as const;

/**
 * The queries of OAI-PMH harvesting: artefacts and deletions in order of their datestamp, within a
 * range and optionally a set. Deleted artefacts have no memberships left, so they are only listed
 * by harvests without a set.
 */
export class HarvestRepository {
  constructor(private readonly db: Db) {}

  private union(set: HarvestSet | null): { sql: string; params: unknown[] } {
    if (set === null) return { sql: `SELECT id, updated_at AS stamp, 0 AS deleted FROM artefacts UNION ALL ${DELETED}`, params: [] };
    const table = MEMBERS[set.collection];
    const where = set.id === null ? '' : ` WHERE ${COLLECTION_ID[set.collection]} = ?`;
    return {
      sql: `SELECT id, updated_at AS stamp, 0 AS deleted FROM artefacts WHERE id IN (SELECT artefact_id FROM ${table}${where})`,
      params: set.id === null ? [] : [set.id],
    };
  }

  /** Up to `limit` items after `after`, oldest first. */
  list(q: HarvestQuery): HarvestItem[] {
    const u = this.union(q.set);
    const after = q.after === null ? '' : ' AND (stamp > ? OR (stamp = ? AND id > ?))';
    const afterParams = q.after === null ? [] : [q.after.stamp, q.after.stamp, q.after.artefactId];
    return this.db
      .query<{ id: string; stamp: string; deleted: number }>(`SELECT id, stamp, deleted FROM (${u.sql}) WHERE stamp >= ? AND stamp <= ?${after} ORDER BY stamp, id LIMIT ?`)
      .all(...u.params, q.from, q.until, ...afterParams, q.limit)
      .map((r) => ({ artefactId: r.id, stamp: r.stamp, deleted: r.deleted === 1 }));
  }

  /** How many items the range and set hold in all. */
  count(q: Pick<HarvestQuery, 'from' | 'until' | 'set'>): number {
    const u = this.union(q.set);
    return this.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (${u.sql}) WHERE stamp >= ? AND stamp <= ?`).get(...u.params, q.from, q.until)?.n ?? 0;
  }

  /** When the artefact was deleted, if it was. */
  deletedAt(artefactId: string): string | undefined {
    return this.db.query<{ stamp: string }>(`SELECT stamp FROM (${DELETED}) WHERE id = ? ORDER BY stamp DESC LIMIT 1`).get(artefactId)?.stamp;
  }

  /** The oldest datestamp the repository holds, if any. */
  earliest(): string | undefined {
    return this.db.query<{ stamp: string | null }>(`SELECT MIN(stamp) AS stamp FROM (${this.union(null).sql})`).get()?.stamp ?? undefined;
  }
}
