import { label, rect } from './svg.js';

/** One face as drawn: its box in the original image's upright pixels, and who it is. */
export interface FaceMark {
  box: { x: number; y: number; w: number; h: number };
  /** The figure's name, or null for an unnamed figure. */
  name: string | null;
  assignment: 'AUTO' | 'SUGGESTED' | 'HUMAN' | 'NEW' | 'UNASSIGNED';
  /** True when a person untagged it (no figure). */
  untagged: boolean;
}

/** Colours by assignment: settled ones cool, ones a reviewer should look at warm. */
const COLOURS: Readonly<Record<FaceMark['assignment'], string>> = {
  AUTO: '#2ecc71',
  HUMAN: '#3498db',
  NEW: '#9b59b6',
  SUGGESTED: '#f39c12',
  UNASSIGNED: '#e74c3c',
};

const caption = (f: FaceMark): string => {
  if (f.untagged) return 'untagged';
  const who = f.name ?? (f.assignment === 'UNASSIGNED' ? 'no figure' : 'unnamed figure');
  return `${who} · ${f.assignment}`;
};

/** SVG elements for faces on a picture `scale` times the original's size. */
export function faceMarks(faces: readonly FaceMark[], scale: number, width: number): string[] {
  const size = Math.max(12, Math.round(width / 60));
  return faces.flatMap((f) => {
    const colour = f.untagged ? '#95a5a6' : COLOURS[f.assignment];
    const [x, y, w, h] = [f.box.x * scale, f.box.y * scale, f.box.w * scale, f.box.h * scale];
    return [rect(x, y, w, h, `fill="none" stroke="${colour}" stroke-width="${Math.max(2, size / 5)}"`), label(caption(f), x, y + h + 2, size, colour, width)];
  });
}
