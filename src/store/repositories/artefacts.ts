import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import type { ArtefactKind } from '../../artefact-kind.js';
import { Conditions } from '../conditions.js';
import { likePattern, listing, nextSeq, ordered, sortedBy, type KeysetQuery, type Listing, type PageArgs } from '../pagination.js';

export type KindSource = 'CLASSIFIER' | 'FACE_CHECK' | 'UPLOADER' | 'EDITOR';
/** FACE_CHECK is stored as the machine's (CLASSIFIER) with kind_by_faces set (migration 10). */
type StoredKindSource = Exclude<KindSource, 'FACE_CHECK'>;
const storedKindSource = (source: KindSource | null): { kind_source: StoredKindSource | null; kind_by_faces: 0 | 1 } =>
  source === 'FACE_CHECK' ? { kind_source: 'CLASSIFIER', kind_by_faces: 1 } : { kind_source: source, kind_by_faces: 0 };
export type Origin = 'MACHINE' | 'HUMAN';

/** Metadata fields an artefact can carry; which of them are full-text searchable. */
export const METADATA_FIELDS = {
  transcription: { searchable: true }, // Traditional Chinese, columns separated by newlines
  ocrTranscription: { searchable: false }, // the machine reading before correction
  simplified: { searchable: true },
  translation: { searchable: true },
  summary: { searchable: true },
  entities: { searchable: false }, // JSON list of {text, type}
  ocrLayout: { searchable: false }, // JSON lines, boxes, per-character candidates
  caption: { searchable: true },
  bannerText: { searchable: true },
  description: { searchable: true },
  additionalInfo: { searchable: true },
} as const;
export type MetadataField = keyof typeof METADATA_FIELDS;
export const isMetadataField = (name: string): name is MetadataField => Object.hasOwn(METADATA_FIELDS, name);

export interface Artefact {
  id: string;
  seq: number;
  kind: ArtefactKind | null;
  kindSource: KindSource | null;
  kindConfidence: number | null;
  name: string;
  originalFilename: string | null;
  fileSha256: string;
  mime: string;
  width: number | null;
  height: number | null;
  bytes: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FieldVersion {
  artefactId: string;
  field: MetadataField;
  version: number;
  value: string | null;
  origin: Origin;
  step: string | null;
  model: string | null;
  confidence: number | null;
  authorId: string | null;
  isCurrent: boolean;
  createdAt: string;
}

interface ArtefactRow {
  id: string;
  seq: number;
  kind: ArtefactKind | null;
  kind_source: StoredKindSource | null;
  kind_by_faces: number;
  kind_confidence: number | null;
  name: string;
  original_filename: string | null;
  file_sha256: string;
  mime: string;
  width: number | null;
  height: number | null;
  bytes: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface FieldRow {
  artefact_id: string;
  field: MetadataField;
  version: number;
  value: string | null;
  origin: Origin;
  step: string | null;
  model: string | null;
  confidence: number | null;
  author_id: string | null;
  is_current: number;
  created_at: string;
}

const toArtefact = (r: ArtefactRow): Artefact => ({
  id: r.id,
  seq: r.seq,
  kind: r.kind,
  kindSource: r.kind_source === 'CLASSIFIER' && r.kind_by_faces === 1 ? 'FACE_CHECK' : r.kind_source,
  kindConfidence: r.kind_confidence,
  name: r.name,
  originalFilename: r.original_filename,
  fileSha256: r.file_sha256,
  mime: r.mime,
  width: r.width,
  height: r.height,
  bytes: r.bytes,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toField = (r: FieldRow): FieldVersion => ({
  artefactId: r.artefact_id,
  field: r.field,
  version: r.version,
  value: r.value,
  origin: r.origin,
  step: r.step,
  model: r.model,
  confidence: r.confidence,
  authorId: r.author_id,
  isCurrent: r.is_current === 1,
  createdAt: r.created_at,
});

const SELECT = `SELECT a.*, f.mime, f.width, f.height, f.bytes FROM artefacts a JOIN files f ON f.sha256 = a.file_sha256`;

export interface ArtefactFilter {
  kind?: ArtefactKind | null;
  batchId?: string | null;
  categoryId?: string | null;
  bookId?: string | null;
  figureId?: string | null;
  /** Full text: FTS5 trigram for 3+ characters, LIKE below that; also the names of the figures in a photo. */
  search?: string | null;
  /** Created at or after / before this ISO instant. */
  createdAfter?: string | null;
  createdBefore?: string | null;
  /** HUMAN: a person wrote one of its current values; MACHINE: none of them. */
  origin?: Origin | null;
  /** Only artefacts of batches at this stage. */
  batchStage?: string | null;
  /** True: what a person should look at (see NEEDS_REVIEW); false: the rest. */
  needsReview?: boolean | null;
}

/** How a list of artefacts is sorted; `seq` (creation order) breaks ties. */
export interface ArtefactOrder {
  by: 'CREATED' | 'UPDATED' | 'NAME' | 'RELEVANCE';
  direction: 'ASC' | 'DESC';
}

/** Below this confidence a machine reading asks for a person's look. */
export const LOW_CONFIDENCE = 0.6;

/**
 * What a person should look at: a face the machine was unsure of (SUGGESTED) or could not place
 * (UNASSIGNED), a step that failed (processing or a language step), a machine reading of low confidence.
 */
const NEEDS_REVIEW = `(
  a.id IN (SELECT artefact_id FROM faces WHERE assignment IN ('SUGGESTED', 'UNASSIGNED'))
  OR a.id IN (SELECT artefact_id FROM artefact_step_failures)
  OR a.id IN (SELECT artefact_id FROM batch_artefacts WHERE status = 'FAILED')
  OR a.id IN (SELECT artefact_id FROM artefact_fields WHERE is_current = 1 AND origin = 'MACHINE' AND confidence < ${LOW_CONFIDENCE})
)`;

export interface NewArtefact {
  name: string;
  originalFilename: string | null;
  fileSha256: string;
  kind?: ArtefactKind | null;
  kindSource?: KindSource | null;
  kindConfidence?: number | null;
  createdBy: string | null;
}

export interface FieldWrite {
  field: MetadataField;
  value: string | null;
  origin: Origin;
  step?: string | null;
  model?: string | null;
  confidence?: number | null;
  authorId?: string | null;
}

export class ArtefactRepository {
  /**
   * @param searchForms expands text into the forms that are indexed (e.g. Traditional and
   *   Simplified), so a search in either script finds it.
   */
  constructor(
    private readonly db: Db,
    private readonly searchForms: (text: string) => string[],
  ) {}

  create(input: NewArtefact): Artefact {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .query(
          `INSERT INTO artefacts (id, seq, kind, kind_source, kind_by_faces, kind_confidence, name, original_filename, file_sha256, created_by, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          nextSeq(this.db, 'artefacts'),
          input.kind ?? null,
          storedKindSource(input.kindSource ?? null).kind_source,
          storedKindSource(input.kindSource ?? null).kind_by_faces,
          input.kindConfidence ?? null,
          input.name,
          input.originalFilename,
          input.fileSha256,
          input.createdBy,
          now,
          now,
        );
      this.reindex(id);
    });
    return this.byId(id) as Artefact;
  }

  byId(id: string): Artefact | undefined {
    return this.byIds([id])[0];
  }

  byIds(ids: readonly string[]): Artefact[] {
    if (ids.length === 0) return [];
    return this.db.query<ArtefactRow>(`${SELECT} WHERE a.id IN (${placeholders(ids.length)})`).all(...ids).map(toArtefact);
  }

  /** The first artefact made from these bytes, if any. */
  firstWithFile(sha256: string): Artefact | undefined {
    const row = this.db.query<ArtefactRow>(`${SELECT} WHERE a.file_sha256 = ? ORDER BY a.seq LIMIT 1`).get(sha256);
    return row === undefined ? undefined : toArtefact(row);
  }

  private filterQuery(filter: ArtefactFilter, order: ArtefactOrder): KeysetQuery {
    const { where, params } = this.conditions(filter);
    const q = { sql: `${SELECT} WHERE ${where}`, params, seq: 'a.seq' };
    if (order.by === 'RELEVANCE') return sortedBy(q, this.relevance(filter), order.direction);
    return ordered(q, { by: order.by, direction: order.direction }, { updated: 'a.updated_at', name: 'a.name' });
  }

  /**
   * RELEVANCE: FTS5's bm25 of the search (lower is better, so ASC puts the best first); without a
   * full-text search (under 3 characters, or a match by a figure's name only) every row ties at 0.
   */
  private relevance(filter: ArtefactFilter): string {
    const search = filter.search?.trim() ?? '';
    if ([...search].length < 3) return '0';
    // The phrase as an SQL string literal (quotes doubled), matched literally as in conditions().
    const phrase = `'"${search.replaceAll('"', '""').replaceAll("'", "''")}"'`;
    return `COALESCE((SELECT bm25(artefact_search) FROM artefact_search WHERE artefact_search MATCH ${phrase} AND artefact_id = a.id), 0)`;
  }

  /** The WHERE clause of a filter; it only refers to `a`, so counting needs no join. */
  private conditions(filter: ArtefactFilter): { where: string; params: unknown[]; none: boolean } {
    const c = new Conditions()
      .when(filter.kind, 'a.kind = ?')
      .when(filter.batchId, 'a.id IN (SELECT artefact_id FROM batch_artefacts WHERE batch_id = ?)')
      .when(filter.categoryId, 'a.id IN (SELECT artefact_id FROM category_members WHERE category_id = ?)')
      .when(filter.bookId, 'a.id IN (SELECT artefact_id FROM book_members WHERE book_id = ?)')
      .when(filter.figureId, 'a.id IN (SELECT artefact_id FROM faces WHERE figure_id = ?)')
      .when(filter.createdAfter, 'a.created_at >= ?')
      .when(filter.createdBefore, 'a.created_at < ?')
      .whenSet(filter.origin, `${filter.origin === 'MACHINE' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM artefact_fields WHERE artefact_id = a.id AND is_current = 1 AND origin = 'HUMAN')`)
      .when(filter.batchStage, 'a.id IN (SELECT ba.artefact_id FROM batch_artefacts ba JOIN batches b ON b.id = ba.batch_id WHERE b.stage = ?)')
      .whenSet(filter.needsReview, filter.needsReview === true ? NEEDS_REVIEW : `NOT ${NEEDS_REVIEW}`);
    const search = filter.search?.trim();
    if (search) {
      // Photos are also found by the names of the people in them, in either script.
      const names = this.searchForms(search).map(likePattern);
      const byName = `a.id IN (SELECT f.artefact_id FROM faces f JOIN figures g ON g.id = f.figure_id WHERE ${names.map(() => `g.label LIKE ? ESCAPE '\\'`).join(' OR ')})`;
      if ([...search].length >= 3) {
        // A quoted phrase: the user's text is matched literally, never parsed as FTS syntax.
        c.when(search, `(a.id IN (SELECT artefact_id FROM artefact_search WHERE artefact_search MATCH ?) OR ${byName})`, `"${search.replaceAll('"', '""')}"`, ...names);
      } else {
        // trigram needs three characters; shorter text is a substring scan of the same table.
        const pattern = likePattern(search);
        c.when(search, `(a.id IN (SELECT artefact_id FROM artefact_search WHERE name LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\') OR ${byName})`, pattern, pattern, ...names);
      }
    }
    return { where: c.sql, params: c.params, none: c.none };
  }

  page(args: PageArgs, filter: ArtefactFilter, order: ArtefactOrder = { by: 'CREATED', direction: 'ASC' }): Listing<Artefact> {
    const q = this.filterQuery(filter, order);
    return listing<ArtefactRow, Artefact>(this.db, q, args, toArtefact);
  }

  count(filter: ArtefactFilter): number {
    const { where, params, none } = this.conditions(filter);
    // Without a WHERE clause SQLite counts the table from its b-tree pages, without reading a row
    // (10,000 artefacts: 6 µs instead of 180).
    const sql = none ? 'SELECT COUNT(*) AS n FROM artefacts' : `SELECT COUNT(*) AS n FROM artefacts a WHERE ${where}`;
    return this.db.query<{ n: number }>(sql).get(...params)?.n ?? 0;
  }

  update(id: string, changes: { name?: string; kind?: ArtefactKind | null; kindSource?: KindSource | null; kindConfidence?: number | null }): void {
    const sets: string[] = [];
    const params: unknown[] = [];
    const columns = { name: 'name', kind: 'kind', kindConfidence: 'kind_confidence' } as const;
    for (const key of Object.keys(columns) as (keyof typeof columns)[]) {
      if (changes[key] !== undefined) {
        sets.push(`${columns[key]} = ?`);
        params.push(changes[key]);
      }
    }
    if (changes.kindSource !== undefined) {
      const stored = storedKindSource(changes.kindSource);
      sets.push('kind_source = ?', 'kind_by_faces = ?');
      params.push(stored.kind_source, stored.kind_by_faces);
    }
    if (sets.length === 0) return;
    this.db.transaction(() => {
      this.db.query(`UPDATE artefacts SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...params, new Date().toISOString(), id);
      if (changes.name !== undefined) this.reindex(id);
    });
  }

  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.db.query('DELETE FROM artefact_search WHERE artefact_id = ?').run(id);
      return this.db.query('DELETE FROM artefacts WHERE id = ?').run(id).changes > 0;
    });
  }

  /** Current field values of many artefacts at once: all of them, or only the `named` fields. */
  currentFields(artefactIds: readonly string[], named?: readonly MetadataField[]): FieldVersion[] {
    if (artefactIds.length === 0 || named?.length === 0) return [];
    const only = named === undefined ? '' : ` AND field IN (${placeholders(named.length)})`;
    return this.db
      .query<FieldRow>(`SELECT * FROM artefact_fields WHERE is_current = 1 AND artefact_id IN (${placeholders(artefactIds.length)})${only}`)
      .all(...artefactIds, ...(named ?? []))
      .map(toField);
  }

  fieldHistory(artefactId: string, field: MetadataField): FieldVersion[] {
    return this.db
      .query<FieldRow>('SELECT * FROM artefact_fields WHERE artefact_id = ? AND field = ? ORDER BY version')
      .all(artefactId, field)
      .map(toField);
  }

  /**
   * Writes new versions of fields: earlier versions stay on record, the new one becomes current.
   * A write whose value equals the current one is skipped. A machine value never replaces a
   * person's: while the current version is HUMAN, a MACHINE write is kept on record as a version
   * that is not current (once per value and step), so `fieldHistory` shows what the machine read.
   * Returns the fields whose current value changed.
   */
  writeFields(artefactId: string, writes: readonly FieldWrite[]): MetadataField[] {
    const now = new Date().toISOString();
    const changed: MetadataField[] = [];
    this.db.transaction(() => {
      for (const w of writes) {
        const current = this.db
          .query<{ value: string | null; origin: Origin }>('SELECT value, origin FROM artefact_fields WHERE artefact_id = ? AND field = ? AND is_current = 1')
          .get(artefactId, w.field);
        if (current && current.value === w.value) continue;
        const beside = w.origin === 'MACHINE' && current?.origin === 'HUMAN';
        if (beside) {
          // Once per value a step gives while the person's version is current: a rerun adds nothing.
          const known = this.db
            .query(
              `SELECT 1 FROM artefact_fields WHERE artefact_id = ? AND field = ? AND origin = 'MACHINE' AND value IS ? AND step IS ?
               AND version > (SELECT version FROM artefact_fields WHERE artefact_id = ? AND field = ? AND is_current = 1)`,
            )
            .get(artefactId, w.field, w.value, w.step ?? null, artefactId, w.field);
          if (known) continue;
        } else {
          this.db.query('UPDATE artefact_fields SET is_current = 0 WHERE artefact_id = ? AND field = ? AND is_current = 1').run(artefactId, w.field);
        }
        const version = (this.db
          .query<{ v: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM artefact_fields WHERE artefact_id = ? AND field = ?')
          .get(artefactId, w.field)?.v ?? 1);
        this.db
          .query(
            `INSERT INTO artefact_fields (artefact_id, field, version, value, origin, step, model, confidence, author_id, is_current, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(artefactId, w.field, version, w.value, w.origin, w.step ?? null, w.model ?? null, w.confidence ?? null, w.authorId ?? null, beside ? 0 : 1, now);
        if (!beside) changed.push(w.field);
      }
      if (changed.length > 0) {
        this.db.query('UPDATE artefacts SET updated_at = ? WHERE id = ?').run(now, artefactId);
        if (changed.some((f) => METADATA_FIELDS[f].searchable)) this.reindex(artefactId);
      }
    });
    return changed;
  }

  /** Rebuilds the artefact's row in the full-text index from its name and current texts (also after a restore). */
  reindex(artefactId: string): void {
    const name = this.db.query<{ name: string }>('SELECT name FROM artefacts WHERE id = ?').get(artefactId)?.name ?? '';
    const texts = this.currentFields([artefactId])
      .filter((f) => METADATA_FIELDS[f.field].searchable && f.value)
      .map((f) => f.value as string);
    const body = [...new Set(texts.flatMap((t) => this.searchForms(t)))].join('\n');
    const nameForms = [...new Set(this.searchForms(name))].join('\n');
    this.db.query('DELETE FROM artefact_search WHERE artefact_id = ?').run(artefactId);
    this.db.query('INSERT INTO artefact_search (artefact_id, name, body) VALUES (?, ?, ?)').run(artefactId, nameForms, body);
  }
}
