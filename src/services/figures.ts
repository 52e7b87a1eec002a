import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Face, Figure } from '../store/repositories/figures.js';
import type { StoredFile } from '../store/files.js';
import type { Store } from '../store/store.js';
import type { ChangeRecorder } from './changes.js';
import { lookUp } from './lookup.js';
import { parseInput, trimmed, uniquely } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

const labelSchema = z.object({ label: trimmed(1, 120).nullable() });
const LABEL_TAKEN = 'Another figure already has that name';

/** People seen in photos: naming them, merging duplicates, and moving faces between them. */
export class FigureService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRecorder,
  ) {}

  /** The figure's headshot image, if it has one (any signed-in user). */
  headshot(viewer: Viewer | null, figure: Figure): StoredFile | null {
    requireViewer(viewer);
    return figure.headshotSha256 === null ? null : (this.store.files.get(figure.headshotSha256) ?? null);
  }

  /** Names a figure, or un-names it with null. */
  async label(viewer: Viewer | null, id: string, label: string | null): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const before = lookUp(this.store, 'Figure', id);
    const data = parseInput(labelSchema, { label });
    uniquely(LABEL_TAKEN, () => this.store.figures.update(id, { label: data.label }));
    await this.changes.record(user, 'figure.label', { type: 'Figure', id }, 'UPDATED', ['figures'], { from: before.label, to: data.label });
    return lookUp(this.store, 'Figure', id);
  }

  /** Folds `fromId` into `intoId`: every face of the one becomes the other's. */
  async merge(viewer: Viewer | null, intoId: string, fromId: string): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    if (intoId === fromId) throw new AppError('BAD_USER_INPUT', 'A figure cannot be merged into itself');
    const into = lookUp(this.store, 'Figure', intoId);
    const from = lookUp(this.store, 'Figure', fromId);
    const moved = this.store.db.transaction(() => {
      const n = this.store.figures.merge(intoId, fromId);
      if (into.headshotSha256 === null && from.headshotSha256 !== null) this.store.figures.update(intoId, { headshotSha256: from.headshotSha256 });
      return n;
    });
    await this.changes.record(user, 'figure.merge', { type: 'Figure', id: intoId }, 'UPDATED', ['figures'], { mergedFrom: fromId, facesMoved: moved });
    this.changes.noteDeleted('Figure', fromId);
    return lookUp(this.store, 'Figure', intoId);
  }

  /**
   * Moves one face to another figure, or splits it off into a new unnamed figure when `figureId`
   * is null. A person's decision: the face is marked HUMAN so no later matching overrides it.
   */
  async moveFace(viewer: Viewer | null, faceId: string, figureId: string | null): Promise<Face> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Face', faceId);
    const target =
      figureId === null ? this.store.figures.create({ label: null, headshotSha256: null, origin: 'HUMAN' }) : lookUp(this.store, 'Figure', figureId);
    this.store.figures.assignFace(faceId, target.id, 'HUMAN');
    await this.changes.record(user, 'face.move', { type: 'Figure', id: target.id }, figureId === null ? 'CREATED' : 'UPDATED', ['figures'], {
      faceId,
    });
    return lookUp(this.store, 'Face', faceId);
  }

  async delete(viewer: Viewer | null, id: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const f = lookUp(this.store, 'Figure', id);
    // Its faces stay on their photos, unassigned (ON DELETE SET NULL), ready to be labelled again.
    this.store.db.transaction(() => {
      for (const face of this.store.figures.facesOfFigures([id])) this.store.figures.assignFace(face.id, null, 'UNASSIGNED');
      this.store.figures.delete(id);
    });
    await this.changes.record(user, 'figure.delete', { type: 'Figure', id }, 'DELETED', ['figures'], { label: f.label });
    return id;
  }
}
