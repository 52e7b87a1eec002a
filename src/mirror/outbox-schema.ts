/**
 * The mirror's durable outbox, filled by SQLite triggers on every mirrored table: a change and its
 * outbox row commit in the same transaction, whatever code path wrote it (services, the job queue,
 * CLIs), and no repository has to remember the mirror. A row names the document a change touched
 * (`artefacts/<id>`), not the change: the sender reads the document's current state when it sends,
 * so one row per path is enough and a burst of edits to one artefact coalesces into one write.
 *
 * The triggers record nothing while `mirror_state.target` is null (the mirror is off), so a server
 * without Firebase never grows the table. Released as a migration (src/store/migrations.ts): never
 * edit it, add one.
 */

type Row = 'NEW' | 'OLD';

interface Mirrored {
  table: string;
  /** The document paths a row touches, as SQL expressions over NEW or OLD (NULL: none). */
  paths: (row: Row) => string[];
  /** Columns whose update changes the mirror; every column when absent. */
  updateOf?: readonly string[];
}

const MIRRORED: readonly Mirrored[] = [
  { table: 'artefacts', paths: (r) => [`'artefacts/' || ${r}.id`] },
  { table: 'artefact_fields', paths: (r) => [`'artefacts/' || ${r}.artefact_id`] },
  // A face lives in its figure's document; one no figure holds, in its artefact's.
  {
    table: 'faces',
    paths: (r) => [`'figures/' || ${r}.figure_id`, `CASE WHEN ${r}.figure_id IS NULL THEN 'artefacts/' || ${r}.artefact_id END`],
  },
  { table: 'figures', paths: (r) => [`'figures/' || ${r}.id`] },
  { table: 'categories', paths: (r) => [`'categories/' || ${r}.id`] },
  { table: 'category_members', paths: (r) => [`'categories/' || ${r}.category_id`] },
  { table: 'books', paths: (r) => [`'books/' || ${r}.id`] },
  { table: 'book_members', paths: (r) => [`'books/' || ${r}.book_id`] },
  // A batch's stage and its entries' statuses, not every step of processing.
  { table: 'batches', paths: (r) => [`'batches/' || ${r}.id`], updateOf: ['name', 'stage'] },
  { table: 'batch_artefacts', paths: (r) => [`'batches/' || ${r}.batch_id`], updateOf: ['position', 'status'] },
  // Never a secret: password columns and sign-in times are not mirrored, so changing them sends nothing.
  {
    table: 'users',
    paths: (r) => [`'users/' || ${r}.id`],
    updateOf: ['username', 'email', 'role', 'first_name', 'last_name', 'title', 'contact', 'avatar_sha256'],
  },
  // Bytes never change under a content address: only arrival and removal matter.
  { table: 'files', paths: (r) => [`'files/' || ${r}.sha256`], updateOf: [] },
];

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

// Each change takes the next number from mirror_state; a path already waiting keeps its first time
// (the age of the oldest unsent change) and takes the new number (its place in the sending order).
const record = (paths: readonly string[]): string => `
  UPDATE mirror_state SET change_seq = change_seq + 1 WHERE id = 1;
  INSERT INTO mirror_outbox (path, seq, first_at)
    SELECT p, (SELECT change_seq FROM mirror_state WHERE id = 1), ${NOW}
    FROM (${paths.map((p) => `SELECT ${p} AS p`).join(' UNION ')}) WHERE p IS NOT NULL
    ON CONFLICT (path) DO UPDATE SET seq = excluded.seq;`;

const trigger = (name: string, event: string, table: string, paths: readonly string[]): string => `
CREATE TRIGGER ${name} AFTER ${event} ON ${table}
WHEN (SELECT target FROM mirror_state WHERE id = 1) IS NOT NULL
BEGIN${record(paths)}
END;`;

const triggers = MIRRORED.flatMap((m) => {
  const list = [
    trigger(`mirror_${m.table}_insert`, 'INSERT', m.table, m.paths('NEW')),
    trigger(`mirror_${m.table}_delete`, 'DELETE', m.table, m.paths('OLD')),
  ];
  if (m.updateOf === undefined || m.updateOf.length > 0) {
    const event = m.updateOf === undefined ? 'UPDATE' : `UPDATE OF ${m.updateOf.join(', ')}`;
    list.push(trigger(`mirror_${m.table}_update`, event, m.table, [...m.paths('OLD'), ...m.paths('NEW')]));
  }
  return list;
});

export const mirrorOutboxSql = /* sql */ `
CREATE TABLE mirror_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  target      TEXT,
  change_seq  INTEGER NOT NULL
);
INSERT INTO mirror_state (id, target, change_seq) VALUES (1, NULL, 0);

CREATE TABLE mirror_outbox (
  path      TEXT PRIMARY KEY,
  seq       INTEGER NOT NULL,
  first_at  TEXT NOT NULL
);
CREATE INDEX mirror_outbox_seq ON mirror_outbox(seq);
${triggers.join('\n')}
`;
