import { Conditions } from '../conditions.js';
import type { Db } from '../db.js';
import { listing, type Listing, type PageArgs } from '../pagination.js';

export interface AuditEntry {
  seq: number;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

interface AuditRow {
  seq: number;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string | null;
  at: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  actorId: r.actor_id,
  actorName: r.actor_name,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  at: r.at,
});

export interface NewAuditEntry {
  actorId: string | null;
  actorName: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  detail?: Record<string, unknown> | null;
}

export class AuditRepository {
  constructor(private readonly db: Db) {}

  add(e: NewAuditEntry): void {
    this.db
      .query('INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(
        e.actorId,
        e.actorName,
        e.action,
        e.targetType ?? null,
        e.targetId ?? null,
        e.detail == null ? null : JSON.stringify(e.detail),
        new Date().toISOString(),
      );
  }

  /** Oldest first unless `newestFirst`; `last` reads the other end. */
  page(args: PageArgs, filter: { actorId?: string | null; action?: string | null; targetId?: string | null; after?: string | null; before?: string | null }, newestFirst = false): Listing<AuditEntry> {
    const c = new Conditions()
      .when(filter.actorId, 'actor_id = ?')
      .when(filter.action, 'action = ?')
      .when(filter.targetId, 'target_id = ?')
      .when(filter.after, 'at >= ?')
      .when(filter.before, 'at < ?');
    const q = { sql: `SELECT id AS seq, * FROM audit_log WHERE ${c.sql}`, params: c.params, seq: 'id', descending: newestFirst };
    return listing<AuditRow, AuditEntry>(this.db, q, args, toEntry);
  }
}
