import { randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { listing, nextSeq, type Listing, type PageArgs } from '../pagination.js';
import type { FacePlacement, Figure } from './figures.js';

export type FigureChangeKind = 'LABEL' | 'MERGE' | 'MOVE_FACE' | 'UNTAG_FACE' | 'HEADSHOT' | 'DELETE';

/**
 * One thing a change did, with the state before and after, so that an undo can check that nothing
 * has moved on since and put the before back.
 */
export type FigureStep =
  /** A figure made (before null), removed (after null) or edited: its whole row on each side. */
  | { type: 'figure'; before: Figure | null; after: Figure | null }
  | { type: 'face'; faceId: string; before: FacePlacement; after: FacePlacement }
  /** A face's suggestion that followed a figure merged away or deleted. */
  | { type: 'suggestion'; faceId: string; before: string; after: string | null };

export interface FigureChange {
  id: string;
  seq: number;
  kind: FigureChangeKind;
  summary: string;
  steps: FigureStep[];
  actorId: string | null;
  actorName: string;
  at: string;
  undoneAt: string | null;
  undoneBy: string | null;
}

export interface NewFigureChange {
  kind: FigureChangeKind;
  summary: string;
  steps: FigureStep[];
  /** The figures it touched: its history is listed on each. */
  figureIds: readonly string[];
  actor: { id: string; username: string };
}

interface FigureChangeRow {
  id: string;
  seq: number;
  kind: FigureChangeKind;
  summary: string;
  steps: string;
  actor_id: string | null;
  actor_name: string;
  at: string;
  undone_at: string | null;
  undone_by: string | null;
}

const toChange = (r: FigureChangeRow): FigureChange => ({
  id: r.id,
  seq: r.seq,
  kind: r.kind,
  summary: r.summary,
  // Written only by add() below from the same type.
  steps: JSON.parse(r.steps) as FigureStep[],
  actorId: r.actor_id,
  actorName: r.actor_name,
  at: r.at,
  undoneAt: r.undone_at,
  undoneBy: r.undone_by,
});

/** The record of people's changes to figures and faces, and whether each has been undone. */
export class FigureChangeRepository {
  constructor(private readonly db: Db) {}

  add(c: NewFigureChange): FigureChange {
    const id = randomUUID();
    this.db.transaction(() => {
      this.db
        .query('INSERT INTO figure_changes (id, seq, kind, summary, steps, actor_id, actor_name, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, nextSeq(this.db, 'figure_changes'), c.kind, c.summary, JSON.stringify(c.steps), c.actor.id, c.actor.username, new Date().toISOString());
      const link = this.db.query('INSERT OR IGNORE INTO figure_change_figures (change_id, figure_id) VALUES (?, ?)');
      for (const figureId of c.figureIds) link.run(id, figureId);
    });
    return this.byIds([id])[0] as FigureChange;
  }

  byIds(ids: readonly string[]): FigureChange[] {
    if (ids.length === 0) return [];
    return this.db
      .query<FigureChangeRow>(`SELECT * FROM figure_changes WHERE id IN (${placeholders(ids.length)})`)
      .all(...ids)
      .map(toChange);
  }

  /** Every change, or those that touched one figure (which may be gone since), newest first. */
  page(args: PageArgs, figureId: string | null): Listing<FigureChange> {
    const query =
      figureId === null
        ? { sql: 'SELECT c.* FROM figure_changes c WHERE 1 = 1', params: [] }
        : { sql: 'SELECT c.* FROM figure_changes c JOIN figure_change_figures l ON l.change_id = c.id WHERE l.figure_id = ?', params: [figureId] };
    return listing<FigureChangeRow, FigureChange>(this.db, { ...query, seq: 'c.seq', descending: true }, args, toChange);
  }

  /** Marks a change undone; false when it already was. */
  markUndone(id: string, userId: string): boolean {
    return (
      this.db
        .query('UPDATE figure_changes SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL')
        .run(new Date().toISOString(), userId, id).changes > 0
    );
  }
}
