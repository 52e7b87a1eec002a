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
    // Rows come as arrays and are made objects here: better-sqlite3 builds each row object key by
    // key in C++, which took about twice as long as this for a catalogue page's 50 rows.
    const toRow = stmt.reader ? rowMaker<Row>(stmt.raw(true).columns().map((c) => c.name)) : undefined;
    const query: Query<Row> = {
      all: (...params) => {
        count();
        const rows = stmt.all(...(params as unknown[]));
        return toRow === undefined ? (rows as Row[]) : (rows as unknown[][]).map(toRow);
      },
      get: (...params) => {
        count();
        const row = stmt.get(...(params as unknown[]));
        return toRow === undefined || row === undefined ? (row as Row | undefined) : toRow(row as unknown[]);
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

/** Makes row objects from raw rows; a later column of the same name wins, as in better-sqlite3's own rows. */
function rowMaker<Row>(names: readonly string[]): (values: readonly unknown[]) => Row {
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i += 1) row[names[i] as string] = values[i];
    return row as Row;
  };
}

/** Expands a list into `?, ?, ?` for `IN (...)` clauses. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
