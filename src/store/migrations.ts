import { mirrorOutboxSql } from '../mirror/outbox-schema.js';

/**
 * Versioned schema migrations, applied in order at boot. Never edit a released migration: add one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const initial = /* sql */ `
CREATE TABLE files (
  sha256      TEXT PRIMARY KEY,
  mime        TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  width       INTEGER,
  height      INTEGER,
  created_at  TEXT NOT NULL
);

CREATE TABLE users (
  id               TEXT PRIMARY KEY,
  username         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash    TEXT NOT NULL,
  role             TEXT NOT NULL CHECK (role IN ('SUPERUSER', 'ARCHIVIST', 'VIEWER')),
  first_name       TEXT NOT NULL DEFAULT '',
  last_name        TEXT NOT NULL DEFAULT '',
  title            TEXT NOT NULL DEFAULT '',
  contact          TEXT,
  avatar_sha256    TEXT REFERENCES files(sha256),
  failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
  locked_until     TEXT,
  last_sign_in_at  TEXT,
  password_changed_at TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
-- Exactly one superuser: a partial unique index makes a second one impossible, not just unlikely.
CREATE UNIQUE INDEX users_one_superuser ON users(role) WHERE role = 'SUPERUSER';

CREATE TABLE sessions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash    TEXT NOT NULL UNIQUE,
  csrf_hash     TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  expires_at    TEXT NOT NULL,
  revoked_at    TEXT,
  user_agent    TEXT,
  ip            TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  actor_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
  actor_name   TEXT NOT NULL,
  action       TEXT NOT NULL,
  target_type  TEXT,
  target_id    TEXT,
  detail       TEXT,
  at           TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log(actor_id, id);

CREATE TABLE artefacts (
  id                 TEXT PRIMARY KEY,
  seq                INTEGER NOT NULL UNIQUE,
  kind               TEXT CHECK (kind IN ('MM', 'HF')),
  kind_source        TEXT CHECK (kind_source IN ('CLASSIFIER', 'UPLOADER', 'EDITOR')),
  kind_confidence    REAL,
  name               TEXT NOT NULL,
  original_filename  TEXT,
  file_sha256        TEXT NOT NULL REFERENCES files(sha256),
  created_by         TEXT REFERENCES users(id) ON DELETE SET NULL,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX artefacts_kind ON artefacts(kind, seq);

-- Every metadata field is versioned: machine output and each human edit are rows; one is current.
CREATE TABLE artefact_fields (
  artefact_id  TEXT NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
  field        TEXT NOT NULL,
  version      INTEGER NOT NULL,
  value        TEXT,
  origin       TEXT NOT NULL CHECK (origin IN ('MACHINE', 'HUMAN')),
  step         TEXT,
  model        TEXT,
  confidence   REAL,
  author_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  is_current   INTEGER NOT NULL DEFAULT 1,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (artefact_id, field, version)
);
CREATE UNIQUE INDEX artefact_fields_current ON artefact_fields(artefact_id, field) WHERE is_current = 1;

-- Full-text search over names and the current text fields (Traditional, Simplified, English,
-- captions). trigram works for Chinese, which has no spaces between words.
CREATE VIRTUAL TABLE artefact_search USING fts5(artefact_id UNINDEXED, name, body, tokenize = 'trigram');

CREATE TABLE batches (
  id          TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  stage       TEXT NOT NULL CHECK (stage IN ('UPLOAD_PENDING', 'QUEUED', 'PROCESSING', 'CANCELLED', 'VETTING', 'INTEGRATING', 'COMPLETED')),
  created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE batch_jobs (
  id          TEXT PRIMARY KEY,
  batch_id    TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('PROCESS', 'INTEGRATE')),
  status      TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'COMPLETED', 'CANCELLED', 'FAILED')),
  error       TEXT,
  created_at  TEXT NOT NULL,
  started_at  TEXT,
  ended_at    TEXT
);
CREATE INDEX batch_jobs_batch ON batch_jobs(batch_id, created_at);

CREATE TABLE batch_artefacts (
  batch_id       TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  artefact_id    TEXT NOT NULL UNIQUE REFERENCES artefacts(id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('UNPROCESSED', 'PROCESSING', 'PROCESSED', 'FAILED', 'CONFIRMED', 'INTEGRATED')),
  step           TEXT,
  error_code     TEXT,
  error_message  TEXT,
  duration_ms    INTEGER,
  processed_at   TEXT,
  PRIMARY KEY (batch_id, artefact_id)
);

CREATE TABLE categories (
  id           TEXT PRIMARY KEY,
  seq          INTEGER NOT NULL UNIQUE,
  name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  description  TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);

CREATE TABLE category_members (
  category_id  TEXT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
  artefact_id  TEXT NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
  reason       TEXT NOT NULL,
  placed_by    TEXT NOT NULL CHECK (placed_by IN ('MODEL', 'HUMAN')),
  model        TEXT,
  user_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
  added_at     TEXT NOT NULL,
  PRIMARY KEY (category_id, artefact_id)
);
CREATE INDEX category_members_artefact ON category_members(artefact_id);

CREATE TABLE books (
  id          TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL UNIQUE,
  title       TEXT NOT NULL,
  subtitle    TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE book_members (
  book_id      TEXT NOT NULL REFERENCES books(id) ON DELETE CASCADE,
  artefact_id  TEXT NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
  position     INTEGER NOT NULL,
  added_at     TEXT NOT NULL,
  PRIMARY KEY (book_id, artefact_id)
);
CREATE INDEX book_members_artefact ON book_members(artefact_id);

CREATE TABLE figures (
  id              TEXT PRIMARY KEY,
  seq             INTEGER NOT NULL UNIQUE,
  label           TEXT UNIQUE COLLATE NOCASE,
  headshot_sha256 TEXT REFERENCES files(sha256),
  origin          TEXT NOT NULL CHECK (origin IN ('PIPELINE', 'SEED', 'HUMAN')),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE faces (
  id                TEXT PRIMARY KEY,
  artefact_id       TEXT REFERENCES artefacts(id) ON DELETE CASCADE,
  source_sha256     TEXT REFERENCES files(sha256),
  figure_id         TEXT REFERENCES figures(id) ON DELETE SET NULL,
  box_x             REAL NOT NULL,
  box_y             REAL NOT NULL,
  box_w             REAL NOT NULL,
  box_h             REAL NOT NULL,
  detector_score    REAL,
  quality           REAL,
  embedding         BLOB,
  embedding_model   TEXT,
  is_exemplar       INTEGER NOT NULL DEFAULT 0,
  assignment        TEXT NOT NULL CHECK (assignment IN ('AUTO', 'SUGGESTED', 'HUMAN', 'NEW', 'UNASSIGNED')),
  similarity        REAL,
  suggested_figure_id TEXT REFERENCES figures(id) ON DELETE SET NULL,
  created_at        TEXT NOT NULL
);
CREATE INDEX faces_artefact ON faces(artefact_id);
CREATE INDEX faces_figure ON faces(figure_id);

CREATE TABLE traces (
  id           TEXT PRIMARY KEY,
  purpose      TEXT NOT NULL,
  artefact_id  TEXT REFERENCES artefacts(id) ON DELETE SET NULL,
  batch_id     TEXT REFERENCES batches(id) ON DELETE SET NULL,
  created_at   TEXT NOT NULL,
  finished_at  TEXT,
  outcome      TEXT
);
CREATE INDEX traces_artefact ON traces(artefact_id);
CREATE INDEX traces_batch ON traces(batch_id);

CREATE TABLE trace_reports (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  trace_id     TEXT NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  source       TEXT NOT NULL,
  message      TEXT NOT NULL,
  level        TEXT NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  worker_id    INTEGER NOT NULL,
  at           TEXT NOT NULL,
  duration_ms  REAL,
  data         TEXT
);
CREATE INDEX trace_reports_trace ON trace_reports(trace_id, id);

CREATE TABLE model_records (
  name         TEXT PRIMARY KEY,
  task         TEXT NOT NULL,
  status       TEXT NOT NULL,
  sha256       TEXT,
  licence      TEXT,
  source       TEXT,
  detail       TEXT,
  checked_at   TEXT NOT NULL
);
`;

// Reprocessing is queued on the batch entry it belongs to, so it shares the batch queue's durability,
// fairness, progress events and cancellation: the steps to run again, as a JSON array.
const reprocessSteps = /* sql */ `
ALTER TABLE batch_artefacts ADD COLUMN reprocess_steps TEXT;
`;

// People's changes to figures and faces, each with the state before and after of what it touched
// (JSON steps), so it can be undone exactly. The figures it touched are listed beside it without a
// foreign key: a figure may be gone, and comes back with its history when its deletion is undone.
const figureChanges = /* sql */ `
CREATE TABLE figure_changes (
  id          TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('LABEL', 'MERGE', 'MOVE_FACE', 'UNTAG_FACE', 'HEADSHOT', 'DELETE')),
  summary     TEXT NOT NULL,
  steps       TEXT NOT NULL,
  actor_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  actor_name  TEXT NOT NULL,
  at          TEXT NOT NULL,
  undone_at   TEXT,
  undone_by   TEXT REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE figure_change_figures (
  change_id  TEXT NOT NULL REFERENCES figure_changes(id) ON DELETE CASCADE,
  figure_id  TEXT NOT NULL,
  PRIMARY KEY (figure_id, change_id)
);
`;

// A language step that failed (after its retries) on an artefact, so the artefact can end processed
// with a warning and the step be redone on its own; the row goes when the step next succeeds.
const stepFailures = /* sql */ `
CREATE TABLE artefact_step_failures (
  artefact_id  TEXT NOT NULL REFERENCES artefacts(id) ON DELETE CASCADE,
  step         TEXT NOT NULL,
  code         TEXT NOT NULL,
  message      TEXT NOT NULL,
  attempts     INTEGER NOT NULL,
  failed_at    TEXT NOT NULL,
  PRIMARY KEY (artefact_id, step)
);
`;

// Failed sign-ins counted per account and client address, so that one address cannot lock an account
// for everyone (unknown names are counted too, under their lower-cased spelling, and lock the same
// way); the per-account columns go. Files get the time their bytes were last stored, which the
// collector of unreferenced files waits past, so a file stored again just before it is referenced
// is never collected in between.
const signInFailures = /* sql */ `
CREATE TABLE sign_in_failures (
  account       TEXT NOT NULL,
  source        TEXT NOT NULL,
  failures      INTEGER NOT NULL,
  locked_until  TEXT,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (account, source)
);
ALTER TABLE users DROP COLUMN failed_sign_ins;
ALTER TABLE users DROP COLUMN locked_until;
ALTER TABLE files ADD COLUMN stored_at TEXT;
UPDATE files SET stored_at = created_at;
CREATE INDEX artefacts_file ON artefacts(file_sha256);
CREATE INDEX users_avatar ON users(avatar_sha256);
CREATE INDEX figures_headshot ON figures(headshot_sha256);
CREATE INDEX faces_source ON faces(source_sha256);
`;

// Maintenance mode: at most one row, present while it is on. A row in the database rather than a
// flag in memory, so that `npm run admin:maintenance` reaches a running server and a restart keeps it.
const maintenance = /* sql */ `
CREATE TABLE maintenance (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  message  TEXT,
  since    TEXT NOT NULL
);
`;

// Generated passwords (new accounts, resets) are one-time: they expire, and the first sign-in with
// one must choose a new password before anything else.
const oneTimePasswords = /* sql */ `
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_expires_at TEXT;
`;

// Sequence numbers of a batch's events that a client can trust across restarts: batchProgress and
// the trace events each count on their batch's row, and every trace event (a trace started, a
// report, a trace finished) keeps its number, so a snapshot replays them as they were sent. Traces
// already stored are numbered in the order they were written.
const batchEventSeqs = /* sql */ `
ALTER TABLE batches ADD COLUMN progress_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN trace_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE traces ADD COLUMN started_seq INTEGER;
ALTER TABLE traces ADD COLUMN finished_seq INTEGER;
ALTER TABLE trace_reports ADD COLUMN batch_seq INTEGER;
CREATE TEMP TABLE trace_event_numbers AS
WITH events AS (
  SELECT batch_id, id AS trace_id, NULL AS report_id, 0 AS kind, created_at AS at FROM traces WHERE batch_id IS NOT NULL
  UNION ALL
  SELECT t.batch_id, t.id, r.id, 1, r.at FROM trace_reports r JOIN traces t ON t.id = r.trace_id WHERE t.batch_id IS NOT NULL
  UNION ALL
  SELECT batch_id, id, NULL, 2, finished_at FROM traces WHERE batch_id IS NOT NULL AND finished_at IS NOT NULL
)
SELECT batch_id, trace_id, report_id, kind, ROW_NUMBER() OVER (PARTITION BY batch_id ORDER BY at, kind, report_id) AS seq FROM events;
CREATE INDEX temp.trace_event_numbers_report ON trace_event_numbers(report_id);
CREATE INDEX temp.trace_event_numbers_trace ON trace_event_numbers(trace_id, kind);
UPDATE traces SET
  started_seq = (SELECT seq FROM trace_event_numbers n WHERE n.trace_id = traces.id AND n.kind = 0),
  finished_seq = (SELECT seq FROM trace_event_numbers n WHERE n.trace_id = traces.id AND n.kind = 2)
WHERE batch_id IS NOT NULL;
UPDATE trace_reports SET batch_seq = (SELECT seq FROM trace_event_numbers n WHERE n.report_id = trace_reports.id)
WHERE trace_id IN (SELECT id FROM traces WHERE batch_id IS NOT NULL);
UPDATE batches SET trace_seq = COALESCE((SELECT MAX(seq) FROM trace_event_numbers n WHERE n.batch_id = batches.id), 0);
DROP TABLE trace_event_numbers;
`;

// The face check decides an artefact's kind when the classifier is unsure of a page. kind_source's
// CHECK cannot be widened without rebuilding the table (and its mirror triggers), so the decision
// is kept beside it: kind_source stays CLASSIFIER, the machine's.
const kindByFaces = `
ALTER TABLE artefacts ADD COLUMN kind_by_faces INTEGER NOT NULL DEFAULT 0 CHECK (kind_by_faces IN (0, 1));
`;

export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial domain model', sql: initial },
  { version: 2, name: 'reprocessing queued on batch entries', sql: reprocessSteps },
  { version: 3, name: 'figure changes that can be undone', sql: figureChanges },
  { version: 4, name: 'language steps that failed on an artefact', sql: stepFailures },
  { version: 5, name: 'sign-in failures per account and address; when file bytes were stored', sql: signInFailures },
  { version: 6, name: 'maintenance mode', sql: maintenance },
  { version: 7, name: 'one-time passwords expire and force a change', sql: oneTimePasswords },
  { version: 8, name: 'sequence numbers of batch events kept across restarts', sql: batchEventSeqs },
  { version: 9, name: 'Firebase mirror outbox filled by triggers', sql: mirrorOutboxSql },
  { version: 10, name: 'the face check as the decider of an artefact kind', sql: kindByFaces },
];
