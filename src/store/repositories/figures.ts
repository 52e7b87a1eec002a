import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { CREATION_ORDER, likePattern, listing, nextSeq, ordered, type ListOrder, type Listing, type PageArgs } from '../pagination.js';

export type FigureOrigin = 'PIPELINE' | 'SEED' | 'HUMAN';
export type FaceAssignment = 'AUTO' | 'SUGGESTED' | 'HUMAN' | 'NEW' | 'UNASSIGNED';

export interface Figure {
  id: string;
  seq: number;
  label: string | null;
  headshotSha256: string | null;
  origin: FigureOrigin;
  createdAt: string;
  updatedAt: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Face {
  id: string;
  artefactId: string | null;
  sourceSha256: string | null;
  figureId: string | null;
  box: Box;
  detectorScore: number | null;
  quality: number | null;
  embedding: Float32Array | null;
  embeddingModel: string | null;
  isExemplar: boolean;
  assignment: FaceAssignment;
  similarity: number | null;
  suggestedFigureId: string | null;
  createdAt: string;
}

/** Where a face sits: the part of its row that people and matching decide. */
export interface FacePlacement {
  figureId: string | null;
  assignment: FaceAssignment;
  isExemplar: boolean;
  suggestedFigureId: string | null;
}

export const placementOf = (f: Face): FacePlacement => ({
  figureId: f.figureId,
  assignment: f.assignment,
  isExemplar: f.isExemplar,
  suggestedFigureId: f.suggestedFigureId,
});

/** A face a person untagged: on no figure, suggested for none, no exemplar, and a person's decision. */
export const UNTAGGED: Readonly<FacePlacement> = { figureId: null, assignment: 'HUMAN', isExemplar: false, suggestedFigureId: null };

export const isUntagged = (f: Face): boolean => f.figureId === null && f.assignment === 'HUMAN';

/** How a figure is named to people: its label, or its number when unnamed. */
export const figureName = (f: Pick<Figure, 'label' | 'seq'>): string => (f.label === null ? `unnamed figure #${f.seq}` : `"${f.label}"`);

interface FigureRow {
  id: string;
  seq: number;
  label: string | null;
  headshot_sha256: string | null;
  origin: FigureOrigin;
  created_at: string;
  updated_at: string;
}

interface FaceRow {
  id: string;
  artefact_id: string | null;
  source_sha256: string | null;
  figure_id: string | null;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
  detector_score: number | null;
  quality: number | null;
  embedding: Buffer | null;
  embedding_model: string | null;
  is_exemplar: number;
  assignment: FaceAssignment;
  similarity: number | null;
  suggested_figure_id: string | null;
  created_at: string;
}

const toFigure = (r: FigureRow): Figure => ({
  id: r.id,
  seq: r.seq,
  label: r.label,
  headshotSha256: r.headshot_sha256,
  origin: r.origin,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toFace = (r: FaceRow): Face => ({
  id: r.id,
  artefactId: r.artefact_id,
  sourceSha256: r.source_sha256,
  figureId: r.figure_id,
  box: { x: r.box_x, y: r.box_y, w: r.box_w, h: r.box_h },
  detectorScore: r.detector_score,
  quality: r.quality,
  // Copy: the Buffer may not be 4-byte aligned for a Float32Array view.
  embedding: r.embedding === null ? null : new Float32Array(new Uint8Array(r.embedding).buffer),
  embeddingModel: r.embedding_model,
  isExemplar: r.is_exemplar === 1,
  assignment: r.assignment,
  similarity: r.similarity,
  suggestedFigureId: r.suggested_figure_id,
  createdAt: r.created_at,
});

export interface NewFace {
  artefactId: string | null;
  sourceSha256: string | null;
  figureId: string | null;
  box: Box;
  detectorScore?: number | null;
  quality?: number | null;
  embedding?: Float32Array | null;
  embeddingModel?: string | null;
  isExemplar?: boolean;
  assignment: FaceAssignment;
  similarity?: number | null;
  suggestedFigureId?: string | null;
}

export class FigureRepository {
  /** @param searchForms expands a search into both Chinese scripts, so 陈六使 finds 陳六使. */
  constructor(
    private readonly db: Db,
    private readonly searchForms: (text: string) => string[],
  ) {}

  create(input: { label: string | null; headshotSha256: string | null; origin: FigureOrigin }): Figure {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db.transaction(() =>
      this.db
        .query('INSERT INTO figures (id, seq, label, headshot_sha256, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, nextSeq(this.db, 'figures'), input.label, input.headshotSha256, input.origin, now, now),
    );
    return this.byIds([id])[0] as Figure;
  }

  byIds(ids: readonly string[]): Figure[] {
    if (ids.length === 0) return [];
    return this.db.query<FigureRow>(`SELECT * FROM figures WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toFigure);
  }

  byLabel(label: string): Figure | undefined {
    const row = this.db.query<FigureRow>('SELECT * FROM figures WHERE label = ?').get(label);
    return row && toFigure(row);
  }

  page(args: PageArgs, filter: { named?: boolean | null; search?: string | null }, order: ListOrder = CREATION_ORDER): Listing<Figure> {
    const where = ['1 = 1'];
    const params: unknown[] = [];
    if (filter.named === true) where.push('label IS NOT NULL');
    if (filter.named === false) where.push('label IS NULL');
    if (filter.search) {
      const forms = this.searchForms(filter.search.trim());
      where.push(`(${forms.map(() => `label LIKE ? ESCAPE '\\'`).join(' OR ')})`);
      params.push(...forms.map(likePattern));
    }
    // Unnamed figures sort as the empty name: first from A, last from Z.
    const q = ordered({ sql: `SELECT * FROM figures WHERE ${where.join(' AND ')}`, params, seq: 'seq' }, order, { updated: 'updated_at', name: "COALESCE(label, '')" });
    return listing<FigureRow, Figure>(this.db, q, args, toFigure);
  }

  /** `updatedAt` is now unless given (an undo puts the old time back). */
  update(id: string, changes: { label?: string | null; headshotSha256?: string | null }, updatedAt = new Date().toISOString()): void {
    if (changes.label !== undefined) this.db.query('UPDATE figures SET label = ?, updated_at = ? WHERE id = ?').run(changes.label, updatedAt, id);
    if (changes.headshotSha256 !== undefined) {
      this.db.query('UPDATE figures SET headshot_sha256 = ?, updated_at = ? WHERE id = ?').run(changes.headshotSha256, updatedAt, id);
    }
  }

  /**
   * Puts a removed figure back as it was. Its old `seq` may have gone to a figure made since (seq is
   * MAX + 1); then it takes the next one, which only moves it in listing order.
   */
  reinsert(f: Figure): void {
    this.db.transaction(() => {
      const taken = this.db.query('SELECT 1 FROM figures WHERE seq = ?').get(f.seq) !== undefined;
      this.db
        .query('INSERT INTO figures (id, seq, label, headshot_sha256, origin, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(f.id, taken ? nextSeq(this.db, 'figures') : f.seq, f.label, f.headshotSha256, f.origin, f.createdAt, f.updatedAt);
    });
  }

  delete(id: string): boolean {
    return this.db.query('DELETE FROM figures WHERE id = ?').run(id).changes > 0;
  }

  /** Moves every face of `fromId` to `intoId` and deletes `fromId`. */
  merge(intoId: string, fromId: string): number {
    return this.db.transaction(() => {
      const moved = this.db.query('UPDATE faces SET figure_id = ? WHERE figure_id = ?').run(intoId, fromId).changes;
      this.db.query('UPDATE faces SET suggested_figure_id = ? WHERE suggested_figure_id = ?').run(intoId, fromId);
      this.db.query('DELETE FROM figures WHERE id = ?').run(fromId);
      return moved;
    });
  }

  /** Which figures appear in each of many artefacts. */
  figuresIn(artefactIds: readonly string[]): { artefactId: string; figure: Figure }[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<FigureRow & { artefact_id: string }>(
        `SELECT DISTINCT fa.artefact_id, fi.* FROM faces fa JOIN figures fi ON fi.id = fa.figure_id
         WHERE fa.artefact_id IN (${placeholders(artefactIds.length)}) ORDER BY fi.seq`,
      )
      .all(...artefactIds)
      .map((r) => ({ artefactId: r.artefact_id, figure: toFigure(r) }));
  }

  addFace(f: NewFace): Face {
    const id = randomUUID();
    const e = f.embedding ?? null;
    this.db
      .query(
        `INSERT INTO faces (id, artefact_id, source_sha256, figure_id, box_x, box_y, box_w, box_h, detector_score, quality,
           embedding, embedding_model, is_exemplar, assignment, similarity, suggested_figure_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        f.artefactId,
        f.sourceSha256,
        f.figureId,
        f.box.x,
        f.box.y,
        f.box.w,
        f.box.h,
        f.detectorScore ?? null,
        f.quality ?? null,
        e === null ? null : Buffer.from(e.buffer, e.byteOffset, e.byteLength),
        f.embeddingModel ?? null,
        f.isExemplar ? 1 : 0,
        f.assignment,
        f.similarity ?? null,
        f.suggestedFigureId ?? null,
        new Date().toISOString(),
      );
    return this.facesByIds([id])[0] as Face;
  }

  facesByIds(ids: readonly string[]): Face[] {
    if (ids.length === 0) return [];
    return this.db.query<FaceRow>(`SELECT * FROM faces WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toFace);
  }

  facesOfArtefacts(artefactIds: readonly string[]): Face[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<FaceRow>(`SELECT * FROM faces WHERE artefact_id IN (${placeholders(artefactIds.length)}) ORDER BY box_x`)
      .all(...artefactIds)
      .map(toFace);
  }

  /** Faces whose suggested figure is this one. */
  facesSuggesting(figureId: string): Face[] {
    return this.db.query<FaceRow>('SELECT * FROM faces WHERE suggested_figure_id = ? ORDER BY created_at').all(figureId).map(toFace);
  }

  facesOfFigures(figureIds: readonly string[]): Face[] {
    if (figureIds.length === 0) return [];
    return this.db
      .query<FaceRow>(`SELECT * FROM faces WHERE figure_id IN (${placeholders(figureIds.length)}) ORDER BY created_at`)
      .all(...figureIds)
      .map(toFace);
  }

  /** The exemplar embeddings of every figure made by one embedding model, for matching new faces. */
  exemplars(embeddingModel: string): { figureId: string; embedding: Float32Array }[] {
    return this.db
      .query<{ figure_id: string; embedding: Buffer }>(
        `SELECT figure_id, embedding FROM faces
         WHERE is_exemplar = 1 AND figure_id IS NOT NULL AND embedding IS NOT NULL AND embedding_model = ?
         ORDER BY created_at`,
      )
      .all(embeddingModel)
      // Copy: the Buffer may not be 4-byte aligned for a Float32Array view.
      .map((r) => ({ figureId: r.figure_id, embedding: new Float32Array(new Uint8Array(r.embedding).buffer) }));
  }

  /**
   * Faces whose embedding another model made (or no recorded one), exemplars first and grouped by
   * source photo, so they can be embedded again with `embeddingModel`.
   */
  facesEmbeddedOtherwise(embeddingModel: string, limit: number): Face[] {
    return this.db
      .query<FaceRow>(
        `SELECT * FROM faces WHERE embedding IS NOT NULL AND (embedding_model IS NULL OR embedding_model <> ?)
         ORDER BY is_exemplar DESC, source_sha256, id LIMIT ?`,
      )
      .all(embeddingModel, limit)
      .map(toFace);
  }

  /** How many faces and exemplars of figures carry another model's embedding. */
  countEmbeddedOtherwise(embeddingModel: string): { faces: number; exemplars: number } {
    const row = this.db
      .query<{ faces: number; exemplars: number | null }>(
        `SELECT COUNT(*) AS faces, SUM(is_exemplar = 1 AND figure_id IS NOT NULL) AS exemplars FROM faces
         WHERE embedding IS NOT NULL AND (embedding_model IS NULL OR embedding_model <> ?)`,
      )
      .get(embeddingModel);
    return { faces: row?.faces ?? 0, exemplars: row?.exemplars ?? 0 };
  }

  /** Replaces a face's embedding; null drops it (the face then takes no part in matching). */
  setEmbedding(faceId: string, embedding: Float32Array | null, embeddingModel: string | null): void {
    this.db
      .query('UPDATE faces SET embedding = ?, embedding_model = ? WHERE id = ?')
      .run(embedding === null ? null : Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength), embeddingModel, faceId);
  }

  /**
   * Forgets what an earlier pipeline run stored for an artefact's faces, so a run that is repeated
   * (after a cancel, say) does not add them twice: its machine-placed faces go, and so do the
   * unnamed figures that only they made. Faces a person placed or untagged (HUMAN) stay as they are,
   * and so does a face that founded a figure a person has since named: naming it was a person's
   * decision about that face.
   */
  clearMachineFaces(artefactId: string): number {
    return this.db.transaction(() => {
      const founded = this.db
        .query<{ figure_id: string }>("SELECT DISTINCT figure_id FROM faces WHERE artefact_id = ? AND assignment = 'NEW' AND figure_id IS NOT NULL")
        .all(artefactId)
        .map((r) => r.figure_id);
      const removed = this.db
        .query(
          `DELETE FROM faces WHERE artefact_id = ? AND assignment <> 'HUMAN'
           AND NOT (assignment = 'NEW' AND figure_id IN (SELECT id FROM figures WHERE label IS NOT NULL))`,
        )
        .run(artefactId).changes;
      if (founded.length > 0) {
        this.db
          .query(
            `DELETE FROM figures WHERE id IN (${placeholders(founded.length)}) AND origin = 'PIPELINE' AND label IS NULL
             AND NOT EXISTS (SELECT 1 FROM faces WHERE faces.figure_id = figures.id)`,
          )
          .run(...founded);
      }
      return removed;
    });
  }

  assignFace(faceId: string, figureId: string | null, assignment: FaceAssignment): void {
    this.db
      .query('UPDATE faces SET figure_id = ?, assignment = ?, suggested_figure_id = NULL WHERE id = ?')
      .run(figureId, assignment, faceId);
  }

  /** Sets where a face sits, whole: figure, assignment, exemplar flag and suggestion. */
  place(faceId: string, p: FacePlacement): void {
    this.db
      .query('UPDATE faces SET figure_id = ?, assignment = ?, is_exemplar = ?, suggested_figure_id = ? WHERE id = ?')
      .run(p.figureId, p.assignment, p.isExemplar ? 1 : 0, p.suggestedFigureId, faceId);
  }

  suggest(faceId: string, figureId: string | null): void {
    this.db.query('UPDATE faces SET suggested_figure_id = ? WHERE id = ?').run(figureId, faceId);
  }
}
