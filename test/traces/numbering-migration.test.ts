import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Db } from '../../src/store/db.js';
import { migrations } from '../../src/store/migrations.js';
import { TraceRepository } from '../../src/store/repositories/traces.js';

const dir = mkdtempSync(path.join(tmpdir(), 'archaive-numbering-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database as the release before the numbering left it, holding traces written then. */
function olderDatabase(file: string): void {
  const raw = new Database(file);
  raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of migrations.filter((m) => m.version < 8)) {
    raw.exec(m.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-01-01T00:00:00Z');
  }
  raw.exec(`
    INSERT INTO batches (id, seq, name, stage, created_at, updated_at) VALUES ('b1', 1, 'old', 'VETTING', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    INSERT INTO traces (id, purpose, batch_id, created_at, finished_at, outcome) VALUES
      ('t1', 'artefact.process', 'b1', '2026-01-01T00:00:01Z', '2026-01-01T00:00:05Z', 'ok'),
      ('t2', 'artefact.process', 'b1', '2026-01-01T00:00:06Z', NULL, NULL),
      ('chat', 'Archivus chat', NULL, '2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z', 'ok');
    INSERT INTO trace_reports (trace_id, source, message, level, worker_id, at) VALUES
      ('t1', 'ocr.detect', 'detected', 'info', 2, '2026-01-01T00:00:02Z'),
      ('t1', 'artefact.store', 'stored', 'info', 0, '2026-01-01T00:00:04Z'),
      ('chat', 'llm.chat', 'answered', 'info', 0, '2026-01-01T00:00:03Z'),
      ('t2', 'ocr.detect', 'detected', 'info', 2, '2026-01-01T00:00:07Z');
  `);
  raw.close();
}

describe('numbering the trace events a database already holds', () => {
  it('numbers each batch’s stored events in the order they were written, and carries on from there', () => {
    const file = path.join(dir, 'archaive.db');
    olderDatabase(file);
    const db = new Db(file);
    const traces = new TraceRepository(db);
    const [t1, t2] = traces.ofBatch('b1', null);
    expect([t1?.startedSeq, t1?.finishedSeq, t2?.startedSeq, t2?.finishedSeq]).toEqual([1, 4, 5, null]);
    expect(traces.numberedReports('b1', null, ['info']).map((r) => [r.source, r.batchSeq])).toEqual([
      ['ocr.detect', 2],
      ['artefact.store', 3],
      ['ocr.detect', 6],
    ]);
    // A trace outside any batch takes no number.
    expect(traces.byIds(['chat'])[0]?.startedSeq).toBeNull();
    expect(traces.batchSeq('b1')).toBe(6);
    expect(traces.finish('t2', 'interrupted')?.finishedSeq).toBe(7);
    db.close();
  });
});
