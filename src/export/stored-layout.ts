import { AppError } from '../errors.js';
import type { OcrLine, OcrPage, OcrSeal, Quad } from '../ocr/types.js';
import type { ArtefactRecord } from '../services/exports.js';

/**
 * The OCR layout the ResultWriter stores in the `ocrLayout` field (the page's size is the artefact's):
 * the main lines in reading order and, in layouts stored since notes and seals were kept apart, the
 * notes, each after the main line it follows (`after`: how many main lines come before it), and the
 * red seals and stamps found on the page.
 */
export type StoredLayout = Pick<OcrPage, 'orientation' | 'rotation' | 'lines'> & { notes?: (OcrLine & { after: number })[]; seals?: OcrSeal[] };

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The stored layout of an artefact, or NOT_FOUND when it has none (an event photo, or a page not read yet). */
export function storedLayout(record: ArtefactRecord): StoredLayout {
  const json = record.fields.get('ocrLayout');
  if (json === undefined) throw new AppError('NOT_FOUND', `Artefact ${record.artefact.id} has no OCR layout`);
  return JSON.parse(json) as StoredLayout;
}

/** Lines and notes that hold text, in reading order: each note after the main line it follows. */
export function textLines(layout: StoredLayout): OcrLine[] {
  const notes = layout.notes ?? [];
  const notesAfter = (count: number) => notes.filter((n) => n.after === count);
  const ordered = [...notesAfter(0), ...layout.lines.flatMap((line, i) => [line, ...notesAfter(i + 1)])];
  // A note said to follow a line past the last one still belongs to the page.
  const placed = new Set(ordered);
  return [...ordered, ...notes.filter((n) => !placed.has(n))].filter((l) => l.text.trim() !== '');
}

/** The whole-pixel rectangle around a quad, inside a page of that size. */
export function boundsOf(quad: Quad, page: { width: number; height: number }): Rect {
  const xs = quad.map((p) => p.x);
  const ys = quad.map((p) => p.y);
  const x = Math.max(0, Math.floor(Math.min(...xs)));
  const y = Math.max(0, Math.floor(Math.min(...ys)));
  const right = Math.min(page.width, Math.ceil(Math.max(...xs)));
  const bottom = Math.min(page.height, Math.ceil(Math.max(...ys)));
  return { x, y, w: Math.max(1, right - x), h: Math.max(1, bottom - y) };
}

/** A confidence as the layout formats want it: a probability in [0, 1] with four decimals. */
export const probability = (value: number): number => Math.round(Math.min(1, Math.max(0, value)) * 10_000) / 10_000;

/** The page's size: the artefact's upright image, the frame of the OCR coordinates. */
export function pageSize(record: ArtefactRecord): { width: number; height: number } {
  const { width, height } = record.artefact;
  if (width === null || height === null) throw new AppError('NOT_FOUND', `Artefact ${record.artefact.id} has no image size`);
  return { width, height };
}
