import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';

export interface Session {
  id: string;
  userId: string;
  tokenHash: string;
  csrfHash: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  revokedAt: string | null;
  userAgent: string | null;
  ip: string | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  csrf_hash: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  user_agent: string | null;
  ip: string | null;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  userId: r.user_id,
  tokenHash: r.token_hash,
  csrfHash: r.csrf_hash,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  userAgent: r.user_agent,
  ip: r.ip,
});

export class SessionRepository {
  constructor(private readonly db: Db) {}

  create(input: { userId: string; tokenHash: string; csrfHash: string; expiresAt: string; userAgent: string | null; ip: string | null }): Session {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db
      .query(
        `INSERT INTO sessions (id, user_id, token_hash, csrf_hash, created_at, last_seen_at, expires_at, user_agent, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.userId, input.tokenHash, input.csrfHash, now, now, input.expiresAt, input.userAgent, input.ip);
    return this.byId(id) as Session;
  }

  byId(id: string): Session | undefined {
    const row = this.db.query<SessionRow>('SELECT * FROM sessions WHERE id = ?').get(id);
    return row && toSession(row);
  }

  byTokenHash(tokenHash: string): Session | undefined {
    const row = this.db.query<SessionRow>('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash);
    return row && toSession(row);
  }

  activeForUser(userId: string): Session[] {
    return this.db
      .query<SessionRow>('SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC')
      .all(userId, new Date().toISOString())
      .map(toSession);
  }

  touch(id: string, at: string): void {
    this.db.query('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
  }

  revoke(id: string): void {
    this.db.query('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
  }

  /** Revokes every live session of a user except, optionally, one (the caller's own). */
  revokeAllForUser(userId: string, exceptId: string | null = null): number {
    return this.db
      .query('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?')
      .run(new Date().toISOString(), userId, exceptId).changes;
  }

  /** Forgets sessions that ended more than a day ago. */
  prune(): number {
    const cutoff = new Date(Date.now() - 86_400_000).toISOString();
    return this.db
      .query('DELETE FROM sessions WHERE expires_at < ? OR (revoked_at IS NOT NULL AND revoked_at < ?)')
      .run(cutoff, cutoff).changes;
  }
}
