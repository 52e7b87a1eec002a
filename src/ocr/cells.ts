import { CELL_SIZE } from './ccr-model.js';
import { sampleLine, type LineFrame } from './crop.js';
import type { RgbImage } from './image.js';

/** A stretch of a line image, in its pixels along the reading direction. */
export interface Span {
  start: number;
  end: number;
}

/** Samples a patch at `size` × `size` through a frame and returns its grey values in [0, 1] (0 = black). */
const greyPatch = (page: RgbImage, frame: LineFrame): Float32Array => {
  const rgb = sampleLine(page, frame).data;
  const out = new Float32Array(frame.width * frame.height);
  for (let p = 0; p < out.length; p++) out[p] = (0.299 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!) / 255;
  return out;
};

const INK_GRID = 40;
/** The training renders fill their square with the glyph's ink box, then scale it by 0.72–1.12 (0.92 on average). */
const INK_FILL = 0.92;

/**
 * The ink box of one character inside its span: across the whole column, along the span only (so
 * that neighbours above and below stay out), in line-image pixels. Ink is what is darker than halfway
 * between the paper (80th percentile) and the darkest ink (2nd percentile); rows and columns with
 * less than 4 % ink are noise. Undefined when the span holds no ink.
 */
const inkBox = (page: RgbImage, frame: LineFrame, span: Span): { along: Span; across: Span } | undefined => {
  const length = Math.max(1, span.end - span.start);
  const grey = greyPatch(page, {
    origin: { x: frame.origin.x + span.start * frame.dx.x, y: frame.origin.y + span.start * frame.dx.y },
    dx: { x: (frame.dx.x * length) / INK_GRID, y: (frame.dx.y * length) / INK_GRID },
    dy: { x: (frame.dy.x * frame.height) / INK_GRID, y: (frame.dy.y * frame.height) / INK_GRID },
    width: INK_GRID,
    height: INK_GRID,
  });
  const sorted = Float32Array.from(grey).sort();
  const paper = sorted[Math.floor(sorted.length * 0.8)]!;
  const dark = sorted[Math.floor(sorted.length * 0.02)]!;
  if (paper - dark < 0.15) return undefined;
  const threshold = (paper + dark) / 2;
  const alongInk = new Array<number>(INK_GRID).fill(0);
  const acrossInk = new Array<number>(INK_GRID).fill(0);
  for (let v = 0; v < INK_GRID; v++) {
    for (let u = 0; u < INK_GRID; u++) {
      if (grey[v * INK_GRID + u]! < threshold) {
        alongInk[u]!++;
        acrossInk[v]!++;
      }
    }
  }
  const extent = (counts: number[]): Span | undefined => {
    const first = counts.findIndex((c) => c >= 0.04 * INK_GRID);
    const last = counts.findLastIndex((c) => c >= 0.04 * INK_GRID);
    return first < 0 ? undefined : { start: first, end: last + 1 };
  };
  const along = extent(alongInk);
  const across = extent(acrossInk);
  if (along === undefined || across === undefined) return undefined;
  return {
    along: { start: span.start + (along.start * length) / INK_GRID, end: span.start + (along.end * length) / INK_GRID },
    across: { start: (across.start * frame.height) / INK_GRID, end: (across.end * frame.height) / INK_GRID },
  };
};

/**
 * Cuts one upright square cell per span of a column's line image, for the character classifier, framed
 * the way the training glyphs were: the square is centred on the character's ink box and sized so the
 * box fills it as a rendered glyph does (within 0.5–1.3 × the column's thickness). Without ink the
 * square is the column's width, centred on the span. Cells are taken from the page, so the character
 * stands upright whatever way the line image was turned.
 * Returns n × 32 × 32 grey values in [0, 1] (0 = black).
 */
export const cutColumnCells = (page: RgbImage, frame: LineFrame, spans: readonly Span[], thickness: number): Float32Array => {
  const cells = new Float32Array(spans.length * CELL_SIZE * CELL_SIZE);
  const alongLength = Math.hypot(frame.dx.x, frame.dx.y);
  const down = { x: frame.dx.x / alongLength, y: frame.dx.y / alongLength };
  const right = { x: down.y, y: -down.x };
  // Line-image pixels are square on the page (crop.ts), so one scale serves both directions.
  const pagePerPixel = Math.hypot(frame.dy.x, frame.dy.y);
  spans.forEach((span, i) => {
    const ink = inkBox(page, frame, span);
    const centreAlong = ink === undefined ? (span.start + span.end) / 2 : (ink.along.start + ink.along.end) / 2;
    const centreAcross = ink === undefined ? frame.height / 2 : (ink.across.start + ink.across.end) / 2;
    const inkSide = ink === undefined ? frame.height : Math.max(ink.along.end - ink.along.start, ink.across.end - ink.across.start) / INK_FILL;
    const side = Math.min(1.3 * thickness, Math.max(0.5 * thickness, inkSide)) * pagePerPixel;
    const c = {
      x: frame.origin.x + centreAlong * frame.dx.x + centreAcross * frame.dy.x,
      y: frame.origin.y + centreAlong * frame.dx.y + centreAcross * frame.dy.y,
    };
    const step = side / CELL_SIZE;
    cells.set(
      greyPatch(page, {
        origin: { x: c.x - ((right.x + down.x) * side) / 2, y: c.y - ((right.y + down.y) * side) / 2 },
        dx: { x: right.x * step, y: right.y * step },
        dy: { x: down.x * step, y: down.y * step },
        width: CELL_SIZE,
        height: CELL_SIZE,
      }),
      i * CELL_SIZE * CELL_SIZE,
    );
  });
  return cells;
};

/**
 * Where a column probably holds characters the line recogniser skipped: wherever consecutive
 * characters (or a character and the column's end) are further apart than the column's character
 * pitch allows. The pitch is the median distance between neighbouring characters, kept within
 * 0.6–1.4 × the column's thickness (the thickness itself when there are too few characters).
 * `text` is the stretch of the line image that holds the column (its cut margins excluded).
 * Returns the gap cells as spans, each one pitch long, with the index of the character they precede.
 */
export const gapSpans = (chars: readonly Span[], text: Span, thickness: number): { before: number; span: Span }[] => {
  const centres = chars.map((c) => (c.start + c.end) / 2);
  const steps = centres.slice(1).map((c, i) => c - centres[i]!).filter((d) => d >= 0.6 * thickness && d <= 1.4 * thickness);
  steps.sort((a, b) => a - b);
  const pitch = steps.length >= 2 ? steps[steps.length >> 1]! : thickness;
  const out: { before: number; span: Span }[] = [];
  const fill = (from: number, to: number, before: number): void => {
    // Cells of one pitch fit between two centres that are (missing + 1) pitches apart.
    const missing = Math.round((to - from) / pitch) - 1;
    for (let k = 1; k <= missing; k++) {
      const centre = from + ((to - from) * k) / (missing + 1);
      out.push({ before, span: { start: centre - pitch / 2, end: centre + pitch / 2 } });
    }
  };
  if (centres.length === 0) {
    fill(text.start - pitch / 2, text.end + pitch / 2, 0);
    return out;
  }
  fill(text.start - pitch / 2, centres[0]!, 0);
  centres.slice(1).forEach((c, i) => fill(centres[i]!, c, i + 1));
  fill(centres.at(-1)!, text.end + pitch / 2, centres.length);
  return out;
};
