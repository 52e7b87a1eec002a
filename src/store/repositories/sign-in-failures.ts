import type { Db } from '../db.js';

/** Failed sign-ins of one account from one client address. */
export interface FailureState {
  failures: number;
  lockedUntil: string | null;
}

/**
 * Failed sign-ins per account and client address. An account is locked only for the address its
 * failures came from, so nobody elsewhere can lock its owner out.
 */
export class SignInFailureRepository {
  constructor(private readonly db: Db) {}

  /** Until when the account is locked for the address, or null. */
  lockedUntil(account: string, source: string, now: Date): string | null {
    const row = this.db
      .query<{ locked_until: string | null }>('SELECT locked_until FROM sign_in_failures WHERE account = ? AND source = ?')
      .get(account, source);
    return row?.locked_until != null && row.locked_until > now.toISOString() ? row.locked_until : null;
  }

  /** Counts a failure; the `maxFailures`-th in a row locks the pair for `lockoutMs` and starts the count again. */
  record(account: string, source: string, maxFailures: number, lockoutMs: number, now: Date): FailureState {
    return this.db.transaction(() => {
      // Pairs whose lock ended and that have not failed since a lockout's length are forgotten.
      this.db
        .query('DELETE FROM sign_in_failures WHERE updated_at < ? AND (locked_until IS NULL OR locked_until < ?)')
        .run(new Date(now.getTime() - lockoutMs).toISOString(), now.toISOString());
      const row = this.db
        .query<{ failures: number; locked_until: string | null }>('SELECT failures, locked_until FROM sign_in_failures WHERE account = ? AND source = ?')
        .get(account, source);
      const failures = (row?.failures ?? 0) + 1;
      const lockedUntil = failures >= maxFailures ? new Date(now.getTime() + lockoutMs).toISOString() : null;
      this.db
        .query(
          `INSERT INTO sign_in_failures (account, source, failures, locked_until, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (account, source) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
        )
        .run(account, source, lockedUntil === null ? failures : 0, lockedUntil, now.toISOString());
      return { failures, lockedUntil };
    });
  }

  /** Forgets the failures of the account from the address (after it signed in there). */
  clear(account: string, source: string): void {
    this.db.query('DELETE FROM sign_in_failures WHERE account = ? AND source = ?').run(account, source);
  }

  /** Forgets the account's failures from every address (a new password, or `admin:unlock`); returns how many locks ended. */
  clearAccount(account: string, now: Date): number {
    const locked = this.db
      .query<{ n: number }>('SELECT COUNT(*) AS n FROM sign_in_failures WHERE account = ? AND locked_until > ?')
      .get(account, now.toISOString())?.n ?? 0;
    this.db.query('DELETE FROM sign_in_failures WHERE account = ?').run(account);
    return locked;
  }
}
