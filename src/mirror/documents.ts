import type { Db } from '../store/db.js';
import { META_PATH } from './outbox.js';

/**
 * A value the Realtime Database keeps as given. RTDB drops null fields and empty objects, so a
 * document never holds either: an absent key means null (or an empty map), and readers say so.
 * Flags are booleans and numbers stay numbers (no 0/1 stand-ins for empty containers).
 */
export type MirrorValue = string | number | boolean | MirrorDocument;
export interface MirrorDocument {
  [key: string]: MirrorValue;
}

/** The layout version in `meta/format`; docs/firebase.md describes it. */
export const MIRROR_FORMAT = 1;

export const COLLECTIONS = ['files', 'users', 'artefacts', 'figures', 'categories', 'books', 'batches'] as const;
export type Collection = (typeof COLLECTIONS)[number];

type Row = Record<string, unknown>;

/** Drops nulls and empty maps, which RTDB would drop anyway, so what is sent is what is stored. */
export function compact(fields: Record<string, MirrorValue | null | undefined>): MirrorDocument | null {
  const out: MirrorDocument = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  return Object.keys(out).length === 0 ? null : out;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** A map keyed by each row's `key` column, of the documents `toDoc` makes. */
function keyed(rows: readonly Row[], key: string, toDoc: (r: Row) => MirrorDocument | null): MirrorDocument {
  const out: MirrorDocument = {};
  for (const r of rows) {
    const doc = toDoc(r);
    if (doc !== null) out[String(r[key])] = doc;
  }
  return out;
}

/** A record's document: its creation number and times around its own fields, as every record has them. */
const stamped = (r: Row, fields: Record<string, MirrorValue | null>): MirrorDocument | null =>
  compact({ seq: num(r.seq), ...fields, createdAt: text(r.created_at), updatedAt: text(r.updated_at) });

const face = (r: Row): MirrorDocument | null =>
  compact({
    artefactId: text(r.artefact_id),
    sourceSha256: text(r.source_sha256),
    box: { x: r.box_x as number, y: r.box_y as number, w: r.box_w as number, h: r.box_h as number },
    detectorScore: num(r.detector_score),
    quality: num(r.quality),
    embedding: r.embedding instanceof Buffer ? r.embedding.toString('base64') : null,
    embeddingModel: text(r.embedding_model),
    exemplar: r.is_exemplar === 1,
    assignment: text(r.assignment),
    similarity: num(r.similarity),
    suggestedFigureId: text(r.suggested_figure_id),
    createdAt: text(r.created_at),
  });

/**
 * The mirror's documents, read from SQLite as they are now: one per path (`artefacts/<id>`, …),
 * null when the record is gone (the sender then removes it). docs/firebase.md shows each shape.
 */
export class MirrorDocuments {
  constructor(private readonly db: Db) {}

  /** Several documents from one snapshot of the database (one read transaction). */
  readMany(paths: readonly string[]): (MirrorDocument | null)[] {
    return this.db.transaction(() => paths.map((p) => this.read(p)));
  }

  read(path: string): MirrorDocument | null {
    if (path === META_PATH) return { format: MIRROR_FORMAT };
    const slash = path.indexOf('/');
    const read = this.readers[path.slice(0, slash) as Collection] as ((id: string) => MirrorDocument | null) | undefined;
    if (read === undefined) throw new Error(`Not a mirrored path: ${path}`);
    return read(path.slice(slash + 1));
  }

  private readonly readers: Record<Collection, (id: string) => MirrorDocument | null> = {
    files: (id) => this.file(id),
    users: (id) => this.user(id),
    artefacts: (id) => this.artefact(id),
    figures: (id) => this.figure(id),
    categories: (id) => this.category(id),
    books: (id) => this.book(id),
    batches: (id) => this.batch(id),
  };

  private one(sql: string, id: string): Row | undefined {
    return this.db.query<Row>(sql).get(id);
  }

  private all(sql: string, id: string): Row[] {
    return this.db.query<Row>(sql).all(id);
  }

  private file(sha256: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM files WHERE sha256 = ?', sha256);
    return r === undefined
      ? null
      : compact({ mime: text(r.mime), bytes: num(r.bytes), width: num(r.width), height: num(r.height), createdAt: text(r.created_at) });
  }

  private user(id: string): MirrorDocument | null {
    const r = this.one('SELECT rowid AS seq, * FROM users WHERE id = ?', id);
    if (r === undefined) return null;
    return stamped(r, {
      username: text(r.username),
      email: text(r.email),
      role: text(r.role),
      firstName: text(r.first_name),
      lastName: text(r.last_name),
      title: text(r.title),
      contact: text(r.contact),
      avatarSha256: text(r.avatar_sha256),
    });
  }

  private artefact(id: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM artefacts WHERE id = ?', id);
    if (r === undefined) return null;
    const fields = this.all('SELECT * FROM artefact_fields WHERE artefact_id = ? AND is_current = 1', id);
    const faces = this.all('SELECT * FROM faces WHERE artefact_id = ? AND figure_id IS NULL', id);
    return stamped(r, {
      kind: text(r.kind),
      kindSource: text(r.kind_source),
      kindConfidence: num(r.kind_confidence),
      name: text(r.name),
      originalFilename: text(r.original_filename),
      fileSha256: text(r.file_sha256),
      createdBy: text(r.created_by),
      fields: keyed(fields, 'field', (f) =>
        compact({
          value: text(f.value),
          version: num(f.version),
          origin: text(f.origin),
          step: text(f.step),
          model: text(f.model),
          confidence: num(f.confidence),
          authorId: text(f.author_id),
          createdAt: text(f.created_at),
        }),
      ),
      faces: keyed(faces, 'id', face),
    });
  }

  private figure(id: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM figures WHERE id = ?', id);
    if (r === undefined) return null;
    return stamped(r, {
      label: text(r.label),
      headshotSha256: text(r.headshot_sha256),
      origin: text(r.origin),
      faces: keyed(this.all('SELECT * FROM faces WHERE figure_id = ?', id), 'id', face),
    });
  }

  private category(id: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM categories WHERE id = ?', id);
    if (r === undefined) return null;
    return stamped(r, {
      name: text(r.name),
      description: text(r.description),
      members: keyed(this.all('SELECT * FROM category_members WHERE category_id = ?', id), 'artefact_id', (m) =>
        compact({ reason: text(m.reason), placedBy: text(m.placed_by), model: text(m.model), userId: text(m.user_id), addedAt: text(m.added_at) }),
      ),
    });
  }

  private book(id: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM books WHERE id = ?', id);
    if (r === undefined) return null;
    return stamped(r, {
      title: text(r.title),
      subtitle: text(r.subtitle),
      members: keyed(this.all('SELECT * FROM book_members WHERE book_id = ?', id), 'artefact_id', (m) =>
        compact({ position: num(m.position), addedAt: text(m.added_at) }),
      ),
    });
  }

  private batch(id: string): MirrorDocument | null {
    const r = this.one('SELECT * FROM batches WHERE id = ?', id);
    if (r === undefined) return null;
    return stamped(r, {
      name: text(r.name),
      stage: text(r.stage),
      createdBy: text(r.created_by),
      entries: keyed(this.all('SELECT * FROM batch_artefacts WHERE batch_id = ?', id), 'artefact_id', (e) =>
        compact({ position: num(e.position), status: text(e.status), errorCode: text(e.error_code), errorMessage: text(e.error_message) }),
      ),
    });
  }
}
