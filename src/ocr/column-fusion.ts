import type { CharClassifier } from './ccr-model.js';
import { cutColumnCells, gapSpans, type Span } from './cells.js';
import type { LineFrame } from './crop.js';
import { CCR_ID, fuseCandidates, keepInserted, type ColumnReader, type FusionWeights } from './fusion.js';
import type { RgbImage } from './image.js';
import type { Candidate } from './types.js';

/** One character of a line: where it lies in its piece's line image and what it may be, best first. */
export interface LineReading {
  frame: LineFrame;
  span: Span;
  candidates: Candidate[];
}

/** A piece of a column as PP-OCR read it: its frame and its characters in reading order. */
export interface ColumnPiece {
  frame: LineFrame;
  chars: LineReading[];
  /** Where the column's text lies in the line image (the cut's end margins excluded). */
  text: Span;
  /** The column's thickness in line-image pixels (the cut's side margins excluded). */
  thickness: number;
}

/**
 * Reads each character cell of a column with our classifier as well, and decides per cell:
 * - `fusion`: PP-OCR's and our candidates merged by calibrated weight; in gaps where PP-OCR read
 *   nothing, our reading is added when it is confident enough.
 * - `ccr`: our candidates alone on the same cells (PP-OCR only segments).
 */
export const readColumnWithClassifier = async (
  image: RgbImage,
  pieces: readonly ColumnPiece[],
  classifier: CharClassifier,
  reader: Exclude<ColumnReader, 'ppocr'>,
  weights: FusionWeights,
): Promise<LineReading[]> => {
  const out: LineReading[] = [];
  for (const piece of pieces) {
    const gaps = gapSpans(
      piece.chars.map((c) => c.span),
      piece.text,
      piece.thickness,
    );
    const spans = [...piece.chars.map((c) => c.span), ...gaps.map((g) => g.span)];
    const ours = (await classifier.classify(cutColumnCells(image, piece.frame, spans, piece.thickness), spans.length)).map((list) =>
      list.map((c): Candidate => ({ char: c.raw, raw: c.raw, score: c.score, models: [CCR_ID] })),
    );
    const inserted = gaps.map((g, k) => ({ before: g.before, reading: { frame: piece.frame, span: g.span, candidates: ours[piece.chars.length + k]! } }));
    piece.chars.forEach((c, i) => {
      for (const g of inserted) if (g.before === i && keepInserted(g.reading.candidates, weights)) out.push(g.reading);
      const mine = ours[i]!;
      out.push({ ...c, candidates: reader === 'ccr' ? mine : fuseCandidates(c.candidates, mine, weights) });
    });
    for (const g of inserted) if (g.before === piece.chars.length && keepInserted(g.reading.candidates, weights)) out.push(g.reading);
  }
  return out;
};
