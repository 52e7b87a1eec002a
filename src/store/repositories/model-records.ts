import type { Db } from '../db.js';

/** The last verification result of each model, as shown by the `models` query. */
export interface ModelRecord {
  name: string;
  task: string;
  status: string;
  sha256: string | null;
  licence: string | null;
  source: string | null;
  detail: string | null;
  checkedAt: string;
}

interface ModelRow {
  name: string;
  task: string;
  status: string;
  sha256: string | null;
  licence: string | null;
  source: string | null;
  detail: string | null;
  checked_at: string;
}

export class ModelRecordRepository {
  constructor(private readonly db: Db) {}

  upsert(r: Omit<ModelRecord, 'checkedAt'>): void {
    this.db
      .query(
        `INSERT INTO model_records (name, task, status, sha256, licence, source, detail, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET task = excluded.task, status = excluded.status, sha256 = excluded.sha256,
           licence = excluded.licence, source = excluded.source, detail = excluded.detail, checked_at = excluded.checked_at`,
      )
      .run(r.name, r.task, r.status, r.sha256, r.licence, r.source, r.detail, new Date().toISOString());
  }

  list(): ModelRecord[] {
    return this.db
      .query<ModelRow>('SELECT * FROM model_records ORDER BY name')
      .all()
      .map((r) => ({
        name: r.name,
        task: r.task,
        status: r.status,
        sha256: r.sha256,
        licence: r.licence,
        source: r.source,
        detail: r.detail,
        checkedAt: r.checked_at,
      }));
  }
}
