import { z } from 'zod';
import { AppError, badInput } from '../errors.js';
import type { FigureChange, FigureChangeKind, FigureStep } from '../store/repositories/figure-changes.js';
import { figureName, isUntagged, placementOf, UNTAGGED, type Face, type Figure } from '../store/repositories/figures.js';
import type { StoredFile } from '../store/files.js';
import type { Listing, PageArgs } from '../store/pagination.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { ChangeRecorder } from './changes.js';
import { reverse } from './figure-undo.js';
import { cutHeadshot, portraitHeadshot } from './headshots.js';
import type { IncomingImage } from './users.js';
import { lookUp } from './lookup.js';
import { parseInput, trimmed, uniquely } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

const labelSchema = z.object({ label: trimmed(1, 120).nullable() });
const LABEL_TAKEN = 'Another figure already has that name';

const faceCount = (n: number): string => `${n} face${n === 1 ? '' : 's'}`;

const labelSummary = (before: Figure, label: string | null): string => {
  if (label === null) return `Took the name away from ${figureName(before)}`;
  return before.label === null ? `Named ${figureName(before)} "${label}"` : `Renamed ${figureName(before)} to "${label}"`;
};

/**
 * People seen in photos: naming them, merging duplicates, moving and untagging faces, choosing
 * headshots. Each of these is recorded as a figure change, in the same transaction as the write,
 * with the state before and after, so that it can be undone exactly.
 */
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

  /** Every change, or those that touched one figure (even one gone since), newest first (any signed-in user). */
  changesOf(viewer: Viewer | null, figureId: string | null, args: PageArgs): Listing<FigureChange> {
    requireViewer(viewer);
    return this.store.figureChanges.page(args, figureId);
  }

  /** Figure changes by id (any signed-in user). */
  changesByIds(viewer: Viewer | null, ids: readonly string[]): FigureChange[] {
    requireViewer(viewer);
    return this.store.figureChanges.byIds(ids);
  }

  /** True when a person untagged the face: no figure, and a person's decision. */
  untagged(face: Face): boolean {
    return isUntagged(face);
  }

  /** Names a figure, or un-names it with null. */
  async label(viewer: Viewer | null, id: string, label: string | null): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const data = parseInput(labelSchema, { label });
    const before = this.store.db.transaction(() => {
      const before = lookUp(this.store, 'Figure', id);
      uniquely(LABEL_TAKEN, () => this.store.figures.update(id, { label: data.label }));
      this.recordChange(user, 'LABEL', labelSummary(before, data.label), [id], [this.figureStep(before)]);
      return before;
    });
    await this.changes.record(user, 'figure.label', { type: 'Figure', id }, 'UPDATED', ['figures'], { from: before.label, to: data.label });
    return lookUp(this.store, 'Figure', id);
  }

  /** Folds `fromId` into `intoId`: every face of the one becomes the other's. */
  async merge(viewer: Viewer | null, intoId: string, fromId: string): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    if (intoId === fromId) throw new AppError('BAD_USER_INPUT', 'A figure cannot be merged into itself');
    const moved = this.store.db.transaction(() => {
      const into = lookUp(this.store, 'Figure', intoId);
      const from = lookUp(this.store, 'Figure', fromId);
      const faces = this.store.figures.facesOfFigures([fromId]);
      const suggesting = this.store.figures.facesSuggesting(fromId);
      this.store.figures.merge(intoId, fromId);
      if (into.headshotSha256 === null && from.headshotSha256 !== null) this.store.figures.update(intoId, { headshotSha256: from.headshotSha256 });
      this.recordChange(user, 'MERGE', `Merged ${figureName(from)} (${faceCount(faces.length)}) into ${figureName(into)}`, [intoId, fromId], [
        { type: 'figure', before: from, after: null },
        this.figureStep(into),
        ...faces.map((f) => this.faceStep(f)),
        ...suggesting.map((f): FigureStep => ({ type: 'suggestion', faceId: f.id, before: fromId, after: intoId })),
      ]);
      return faces.length;
    });
    await this.changes.record(user, 'figure.merge', { type: 'Figure', id: intoId }, 'UPDATED', ['figures'], { mergedFrom: fromId, facesMoved: moved });
    this.changes.noteDeleted('Figure', fromId);
    return lookUp(this.store, 'Figure', intoId);
  }

  /**
   * Moves one face to another figure, or splits it off into a new unnamed figure when `figureId`
   * is null, with a headshot cut from that face. A person's decision: the face is marked HUMAN so
   * no later matching overrides it.
   */
  async moveFace(viewer: Viewer | null, faceId: string, figureId: string | null): Promise<Face> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const face = lookUp(this.store, 'Face', faceId);
    if (figureId !== null) lookUp(this.store, 'Figure', figureId);
    // Cut before the transaction: making the crop is asynchronous.
    const headshot = figureId === null ? await cutHeadshot(this.store, face) : null;
    const target = this.store.db.transaction(() => {
      const before = lookUp(this.store, 'Face', faceId);
      const target =
        figureId === null ? this.store.figures.create({ label: null, headshotSha256: headshot, origin: 'HUMAN' }) : lookUp(this.store, 'Figure', figureId);
      this.store.figures.assignFace(faceId, target.id, 'HUMAN');
      const made: FigureStep[] = figureId === null ? [{ type: 'figure', before: null, after: target }] : [];
      const summary = `Moved a face from ${this.placeName(before)} to ${figureId === null ? 'a new figure, ' : ''}${figureName(target)}`;
      this.recordChange(user, 'MOVE_FACE', summary, [...this.figuresOf(before), target.id], [...made, this.faceStep(before)]);
      return target;
    });
    await this.changes.record(user, 'face.move', { type: 'Figure', id: target.id }, figureId === null ? 'CREATED' : 'UPDATED', ['figures'], {
      faceId,
    });
    return lookUp(this.store, 'Face', faceId);
  }

  /**
   * Untags a wrong face: it leaves its figure and any suggestion, stops being an exemplar, and stays
   * HUMAN with no figure, which matching and processing leave alone.
   */
  async untagFace(viewer: Viewer | null, faceId: string): Promise<Face> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    this.store.db.transaction(() => {
      const before = lookUp(this.store, 'Face', faceId);
      if (isUntagged(before)) throw new AppError('CONFLICT', 'The face is already untagged');
      this.store.figures.place(faceId, UNTAGGED);
      this.recordChange(user, 'UNTAG_FACE', `Untagged a face from ${this.placeName(before)}`, this.figuresOf(before), [this.faceStep(before)]);
    });
    await this.changes.record(user, 'face.untag', { type: 'Face', id: faceId }, 'UPDATED', ['figures']);
    return lookUp(this.store, 'Face', faceId);
  }

  /** Makes a crop of one of the figure's faces, from that face's original photo, its headshot. */
  async setHeadshot(viewer: Viewer | null, figureId: string, faceId: string): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Figure', figureId);
    const face = lookUp(this.store, 'Face', faceId);
    if (face.figureId !== figureId) throw badInput("The face is not one of this figure's faces", 'faceId');
    const headshot = await cutHeadshot(this.store, face);
    if (headshot === null) throw badInput("The face's photo is not stored, so no headshot can be cut from it", 'faceId');
    return this.chooseHeadshot(user, figureId, headshot, { faceId });
  }

  /**
   * Gives any figure (one made by hand, one whose faces are poor) a headshot from a picture: cut to
   * the same 160 px square JPEG as headshots cut from faces. Recorded as a HEADSHOT change.
   */
  async uploadHeadshot(viewer: Viewer | null, figureId: string, image: IncomingImage): Promise<Figure> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Figure', figureId);
    const headshot = await portraitHeadshot(this.store, await image(this.store.files.maxBytes));
    return this.chooseHeadshot(user, figureId, headshot, { uploaded: true });
  }

  private async chooseHeadshot(user: User, figureId: string, headshot: string, detail: Record<string, unknown>): Promise<Figure> {
    this.store.db.transaction(() => {
      const before = lookUp(this.store, 'Figure', figureId);
      this.store.figures.update(figureId, { headshotSha256: headshot });
      this.recordChange(user, 'HEADSHOT', `Chose a headshot for ${figureName(before)}`, [figureId], [this.figureStep(before)]);
    });
    await this.changes.record(user, 'figure.headshot', { type: 'Figure', id: figureId }, 'UPDATED', ['figures'], detail);
    return lookUp(this.store, 'Figure', figureId);
  }

  async delete(viewer: Viewer | null, id: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const f = this.store.db.transaction(() => {
      const f = lookUp(this.store, 'Figure', id);
      const faces = this.store.figures.facesOfFigures([id]);
      const suggesting = this.store.figures.facesSuggesting(id);
      // Its faces stay on their photos, unassigned, ready to be labelled again; suggestions of it go
      // (ON DELETE SET NULL).
      for (const face of faces) this.store.figures.assignFace(face.id, null, 'UNASSIGNED');
      this.store.figures.delete(id);
      this.recordChange(user, 'DELETE', `Deleted ${figureName(f)}; its ${faceCount(faces.length)} left unassigned`, [id], [
        { type: 'figure', before: f, after: null },
        ...faces.map((face) => this.faceStep(face)),
        ...suggesting.map((face): FigureStep => ({ type: 'suggestion', faceId: face.id, before: id, after: null })),
      ]);
      return f;
    });
    await this.changes.record(user, 'figure.delete', { type: 'Figure', id }, 'DELETED', ['figures'], { label: f.label });
    return id;
  }

  /** Reverses one recorded change exactly, or CONFLICT when it was undone already or later changes stand in the way. */
  async undo(viewer: Viewer | null, id: string): Promise<FigureChange> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const { change, reversal } = this.store.db.transaction(() => {
      const change = lookUp(this.store, 'FigureChange', id);
      if (change.undoneAt !== null) throw new AppError('CONFLICT', 'This change has already been undone');
      const reversal = reverse(this.store.figures, change.steps);
      this.store.figureChanges.markUndone(id, user.id);
      return { change, reversal };
    });
    await this.changes.record(user, 'figure.undo', { type: 'FigureChange', id }, 'UPDATED', ['figures'], { kind: change.kind, summary: change.summary });
    for (const figureId of reversal.restored) this.changes.noteChange('Figure', figureId, 'CREATED');
    for (const figureId of reversal.edited) this.changes.noteChange('Figure', figureId, 'UPDATED');
    for (const figureId of reversal.removed) this.changes.noteDeleted('Figure', figureId);
    return lookUp(this.store, 'FigureChange', id);
  }

  private recordChange(user: User, kind: FigureChangeKind, summary: string, figureIds: readonly string[], steps: FigureStep[]): void {
    this.store.figureChanges.add({ kind, summary, steps, figureIds, actor: user });
  }

  /** A figure as it was and as it is now, after the write. */
  private figureStep(before: Figure): FigureStep {
    return { type: 'figure', before, after: lookUp(this.store, 'Figure', before.id) };
  }

  /** A face's placement as it was and as it is now, after the write. */
  private faceStep(before: Face): FigureStep {
    return { type: 'face', faceId: before.id, before: placementOf(before), after: placementOf(lookUp(this.store, 'Face', before.id)) };
  }

  /** The figures a face's change shows up on: the one it was on and the one it was suggested for. */
  private figuresOf(face: Face): string[] {
    return [face.figureId, face.suggestedFigureId].filter((id): id is string => id !== null);
  }

  private placeName(face: Face): string {
    return face.figureId === null ? 'no figure' : figureName(lookUp(this.store, 'Figure', face.figureId));
  }
}
