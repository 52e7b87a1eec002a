import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { migrations } from './migrations.js';

type Params = readonly unknown[] | [Record<string, unknown>];

/** A prepared statement whose executions are counted (the N+1 guard in tests reads the count). */
export interface Query<Row> {
  all(...params: Params): Row[];
  get(...params: Params): Row | undefined;
  run(...params: Params): Database.RunResult;
}

/**
 * The embedded SQLite database: WAL, foreign keys on, versioned migrations at open, prepared
 * statements cached by SQL text.
 */
export class Db {
  readonly raw: Database.Database;
  private executed = 0;
  private readonly prepared = new Map<string, Query<unknown>>();

  constructor(file: string) {
    if (file !== ':memory:') {
      // Readable by the server's user only, whatever the umask; SQLite gives its -wal and -shm files
      // the database file's mode.
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
    }
    this.raw = new Database(file);
    this.raw.pragma('journal_mode = WAL');
    this.raw.pragma('foreign_keys = ON');
    this.raw.pragma('synchronous = NORMAL');
    this.raw.pragma('busy_timeout = 5000');
    migrate(this.raw);
  }

  /** Number of SQL statements executed since open. */
  get statementCount(): number {
    return this.executed;
  }

  query<Row>(sql: string): Query<Row> {
    const cached = this.prepared.get(sql);
    if (cached) return cached as Query<Row>;
    const stmt = this.raw.prepare(sql);
    const count = () => {
      this.executed += 1;
    };
    const query: Query<Row> = {
      all: (...params) => {
        count();
        return stmt.all(...(params as unknown[])) as Row[];
      },
      get: (...params) => {
        count();
        return stmt.get(...(params as unknown[])) as Row | undefined;
      },
      run: (...params) => {
        count();
        return stmt.run(...(params as unknown[]));
      },
    };
    this.prepared.set(sql, query as Query<unknown>);
    return query;
  }

  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn)();
  }

  close(): void {
    this.raw.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}

/** Expands a list into `?, ?, ?` for `IN (...)` clauses. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
