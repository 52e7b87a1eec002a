import type { CharClassifier } from './ccr-model.js';
import { cutColumnCells, gapSpans, type Span } from './cells.js';
import type { CharLm } from './char-lm.js';
import { decodeColumn, type DecoderWeights } from './column-decoder.js';
import type { LineFrame } from './crop.js';
import { CCR_ID, fuseCandidates, keepInserted, type ColumnReader, type FusionWeights } from './fusion.js';
import type { RgbImage } from './image.js';
import type { Candidate } from './types.js';

/** One character of a line: where it lies in its piece's line image and what it may be, best first. */
export interface LineReading {
  frame: LineFrame;
  span: Span;
  candidates: Candidate[];
  /** True where the language model chose a candidate other than the recognisers' first. */
  byContext: boolean;
}

/** A character position of a column; `optional` where PP-OCR read nothing and only our classifier looked. */
export interface ColumnSlot extends LineReading {
  optional: boolean;
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
 * Reads each character cell of a column with our classifier as well and returns every position,
 * the cells PP-OCR skipped included (as optional slots carrying our candidates):
 * - `fusion`: PP-OCR's and our candidates merged by calibrated weight;
 * - `ccr`: our candidates alone on the same cells (PP-OCR only segments).
 */
export const classifyColumn = async (
  image: RgbImage,
  pieces: readonly ColumnPiece[],
  classifier: CharClassifier,
  reader: Exclude<ColumnReader, 'ppocr'>,
  weights: FusionWeights,
): Promise<ColumnSlot[]> => {
  const out: ColumnSlot[] = [];
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
    const inserted = gaps.map((g, k): { before: number; slot: ColumnSlot } => ({
      before: g.before,
      slot: { frame: piece.frame, span: g.span, candidates: ours[piece.chars.length + k]!, byContext: false, optional: true },
    }));
    const gapsBefore = (i: number): ColumnSlot[] => inserted.filter((g) => g.before === i).map((g) => g.slot);
    piece.chars.forEach((c, i) => {
      out.push(...gapsBefore(i));
      const mine = ours[i]!;
      out.push({ ...c, candidates: reader === 'ccr' ? mine : fuseCandidates(c.candidates, mine, weights), optional: false });
    });
    out.push(...gapsBefore(piece.chars.length));
  }
  return out;
};

/** Without a language model: every character's first candidate, and skipped cells where our classifier is sure enough. */
export const chooseByScore = (slots: readonly ColumnSlot[], weights: FusionWeights): LineReading[] =>
  slots.filter((s) => !s.optional || keepInserted(s.candidates, weights)).map(({ optional: _, ...reading }) => reading);

/**
 * With the character language model: the most likely reading of the whole column (column-decoder.ts).
 * The chosen candidate is put first; the others keep their order.
 */
export const chooseInContext = (slots: readonly ColumnSlot[], lm: CharLm, weights: DecoderWeights): LineReading[] => {
  const picks = decodeColumn(slots, lm, weights);
  const out: LineReading[] = [];
  slots.forEach(({ optional: _, ...slot }, i) => {
    const pick = picks[i]!;
    if (pick < 0) return;
    const chosen = slot.candidates[pick]!;
    out.push({ ...slot, candidates: [chosen, ...slot.candidates.filter((_c, k) => k !== pick)], byContext: pick > 0 });
  });
  return out;
};
