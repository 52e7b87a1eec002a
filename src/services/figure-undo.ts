import { AppError } from '../errors.js';
import type { FigureStep } from '../store/repositories/figure-changes.js';
import { figureName, type Face, type FacePlacement, type Figure, type FigureRepository } from '../store/repositories/figures.js';

type FigureEdit = Extract<FigureStep, { type: 'figure' }>;
type FaceMove = Extract<FigureStep, { type: 'face' }>;
type Suggestion = Extract<FigureStep, { type: 'suggestion' }>;

/** The figures an undo brought back, took away and edited, for the change events. */
export interface Reversal {
  restored: string[];
  removed: string[];
  edited: string[];
}

const conflict = (message: string): AppError => new AppError('CONFLICT', `Cannot undo: ${message}`);

const samePlace = (face: Face, p: FacePlacement): boolean =>
  face.figureId === p.figureId && face.assignment === p.assignment && face.isExemplar === p.isExemplar;

/**
 * Reverses a change's steps, inside the caller's transaction. Every step is checked against the
 * present first: what the change left must still be there (a figure with the label and headshot it
 * gave, a face where it put it), so no later change is silently overwritten; otherwise CONFLICT
 * names the first thing in the way. Only the fields a step changed are put back.
 */
export function reverse(figures: FigureRepository, steps: readonly FigureStep[]): Reversal {
  const edits = steps.filter((s): s is FigureEdit => s.type === 'figure');
  const moves = steps.filter((s): s is FaceMove => s.type === 'face');
  const suggestions = steps.filter((s): s is Suggestion => s.type === 'suggestion');
  const restored = edits.flatMap((s) => (s.before !== null && s.after === null ? [s.before] : []));
  const made = edits.flatMap((s) => (s.before === null && s.after !== null ? [s.after] : []));
  const edited = edits.flatMap((s) => (s.before !== null && s.after !== null ? [{ before: s.before, after: s.after }] : []));
  const current = (id: string): Figure | undefined => figures.byIds([id])[0];
  const willExist = (id: string): boolean => restored.some((f) => f.id === id) || (current(id) !== undefined && !made.some((f) => f.id === id));

  const labelFree = (label: string | null, id: string): void => {
    const holder = label === null ? undefined : figures.byLabel(label);
    if (holder !== undefined && holder.id !== id) throw conflict(`the name "${label}" now belongs to another figure`);
  };
  for (const f of restored) labelFree(f.label, f.id);
  for (const { before, after } of edited) {
    const now = current(after.id);
    if (now === undefined) throw conflict(`${figureName(after)} has been deleted since`);
    if (before.label !== after.label && now.label !== after.label) throw conflict(`${figureName(now)} has been renamed since`);
    if (before.headshotSha256 !== after.headshotSha256 && now.headshotSha256 !== after.headshotSha256) {
      throw conflict(`${figureName(now)} has been given another headshot since`);
    }
    if (before.label !== after.label) labelFree(before.label, after.id);
  }
  const leaving = new Set(moves.map((m) => m.faceId));
  for (const f of made) {
    const now = current(f.id);
    if (now === undefined) throw conflict('the figure it made has been deleted since');
    if (now.label !== f.label || now.headshotSha256 !== f.headshotSha256) throw conflict(`the figure it made (${figureName(now)}) has been named or given another headshot since`);
    if (figures.facesOfFigures([f.id]).some((face) => !leaving.has(face.id))) throw conflict(`other faces have been moved to the figure it made (${figureName(now)}) since`);
  }
  for (const m of moves) {
    const face = figures.facesByIds([m.faceId])[0];
    if (face === undefined) throw conflict('a face it moved no longer exists (its photo was deleted or processed again)');
    if (!samePlace(face, m.after)) throw conflict('a face it moved has been moved, untagged or reassigned since');
    if (m.before.figureId !== null && !willExist(m.before.figureId)) throw conflict('the figure a face came from has been deleted since');
  }

  // Figures back first, so faces can point at them; figures this change made go last, once empty.
  for (const f of restored) figures.reinsert(f);
  for (const { before, after } of edited) {
    const now = current(after.id) as Figure;
    // The old time when nothing else touched the figure since; otherwise this undo is its latest edit.
    const at = now.updatedAt === after.updatedAt ? before.updatedAt : new Date().toISOString();
    figures.update(
      after.id,
      {
        ...(before.label !== after.label ? { label: before.label } : {}),
        ...(before.headshotSha256 !== after.headshotSha256 ? { headshotSha256: before.headshotSha256 } : {}),
      },
      at,
    );
  }
  // A suggestion of a figure deleted since cannot come back (the foreign key dropped it too).
  const suggestable = (id: string | null): string | null => (id !== null && willExist(id) ? id : null);
  for (const m of moves) figures.place(m.faceId, { ...m.before, suggestedFigureId: suggestable(m.before.suggestedFigureId) });
  for (const s of suggestions) {
    // Only while the face still suggests what the change left: a later decision about it stands.
    const face = figures.facesByIds([s.faceId])[0];
    if (face !== undefined && face.suggestedFigureId === s.after) figures.suggest(s.faceId, suggestable(s.before));
  }
  for (const f of made) figures.delete(f.id);
  return { restored: restored.map((f) => f.id), removed: made.map((f) => f.id), edited: edited.map((e) => e.after.id) };
}
