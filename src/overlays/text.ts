import { z } from 'zod';
import { label, polygon, type Point } from './svg.js';

const quad = z.array(z.object({ x: z.number(), y: z.number() })).length(4);
const line = z.object({ box: quad, chars: z.array(z.object({ box: quad, confidence: z.number() })).default([]) });

/** The parts of a stored OCR layout (the OCR_LAYOUT field) an overlay draws; older layouts lack notes and seals. */
const layoutSchema = z.object({
  lines: z.array(line).default([]),
  notes: z.array(line).default([]),
  seals: z.array(z.object({ box: quad })).default([]),
});
export type PageLayout = z.infer<typeof layoutSchema>;

/** The layout in a stored OCR_LAYOUT value; null when it is not one. */
export function parseLayout(json: string): PageLayout | null {
  try {
    const parsed = layoutSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Character confidence as colour: green when sure, amber when unsure, red when doubtful. */
export const confidenceColour = (confidence: number): string => (confidence >= 0.9 ? '#2ecc71' : confidence >= 0.6 ? '#f39c12' : '#e74c3c');

const scaled = (points: readonly Point[], scale: number): Point[] => points.map((p) => ({ x: p.x * scale, y: p.y * scale }));

/**
 * SVG elements for a page: each main line (column or row) outlined with its 1-based place in
 * reading order, each character filled by its confidence, notes outlined apart (註), seals (印).
 */
export function textMarks(layout: PageLayout, scale: number, width: number): string[] {
  const size = Math.max(12, Math.round(width / 70));
  const stroke = Math.max(1.5, size / 8);
  const chars = [...layout.lines, ...layout.notes].flatMap((l) =>
    l.chars.map((c) => polygon(scaled(c.box, scale), `fill="${confidenceColour(c.confidence)}" fill-opacity="0.3" stroke="${confidenceColour(c.confidence)}" stroke-width="1"`)),
  );
  const lines = layout.lines.flatMap((l, i) => {
    const box = scaled(l.box, scale);
    return [polygon(box, `fill="none" stroke="#3498db" stroke-width="${stroke}"`), label(String(i + 1), box[0]?.x ?? 0, (box[0]?.y ?? 0) - size * 1.5, size, '#ffffff', width)];
  });
  const notes = layout.notes.flatMap((l, i) => {
    const box = scaled(l.box, scale);
    return [polygon(box, `fill="none" stroke="#9b59b6" stroke-width="${stroke}" stroke-dasharray="${size / 2}"`), label(`註${i + 1}`, box[0]?.x ?? 0, (box[0]?.y ?? 0) - size * 1.5, size, '#d7bde2', width)];
  });
  const seals = layout.seals.flatMap((s) => {
    const box = scaled(s.box, scale);
    return [polygon(box, `fill="none" stroke="#c0392b" stroke-width="${stroke}" stroke-dasharray="${size / 2}"`), label('印', box[0]?.x ?? 0, (box[2]?.y ?? 0) + 2, size, '#f5b7b1', width)];
  });
  return [...chars, ...lines, ...notes, ...seals];
}
