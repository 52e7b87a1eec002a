/** Public shapes of the OCR engine's result. Coordinates are in the input page's pixels. */

export interface Point {
  x: number;
  y: number;
}

/** Four corners, clockwise as seen on screen, starting at the corner nearest the page's top-left. */
export type Quad = readonly [Point, Point, Point, Point];

export type LineKind = 'column' | 'row' | 'note';

/** PP-OCR's line recogniser, by version (v5 reads by default; v4 is kept for comparison). */
export type PpOcrId = 'pp-ocrv4' | 'pp-ocrv5';

/** Which recogniser produced a character: PP-OCR's line recogniser or our character classifier. */
export type RecogniserId = PpOcrId | 'ccr-big5-kai';

export interface Candidate {
  /** Traditional form (OpenCC cn→tw of the model's raw output). */
  char: string;
  /** What the model's dictionary holds (often Simplified). */
  raw: string;
  score: number;
  /** The recognisers that proposed this candidate, the one that gave it more weight first. */
  models: RecogniserId[];
}

export interface OcrChar {
  char: string;
  raw: string;
  confidence: number;
  /**
   * Top candidates, the chosen one first, the others by score: PP-OCR's CTC softmax at the
   * character's peak frame, our classifier's calibrated probabilities on the character's cell, or both
   * merged (see `fusion.ts`). The first has the highest score unless `byContext`.
   */
  candidates: Candidate[];
  box: Quad;
  /** The recogniser whose reading was chosen (the larger share of the chosen candidate's score). */
  model: RecogniserId;
  /** True where the character language model chose a candidate other than the recognisers' first choice. */
  byContext: boolean;
}

export interface OcrLine {
  kind: LineKind;
  box: Quad;
  /** Traditional text. */
  text: string;
  /** Mean character confidence (0 when there are no characters). */
  confidence: number;
  chars: OcrChar[];
}

/** A note (a marginal correction, a small interlinear or dated note), kept apart from the main lines. */
export interface OcrNote extends OcrLine {
  kind: 'note';
  /** How many main lines come before it in reading order (0: before the first; 1-based position of the line it follows). */
  after: number;
}

/** A red seal or stamp: provenance, not text; kept out of the lines. */
export interface OcrSeal {
  box: Quad;
  /** Share of its box covered by red ink (0–1). */
  inkShare: number;
}

export type EmptyReason = 'blank-page' | 'no-text-found' | 'image-too-small';

export interface OcrPage {
  width: number;
  height: number;
  /** How the page's text runs, decided from the detected boxes' shapes. */
  orientation: 'vertical' | 'horizontal';
  /** 180 when the page was found upside down (text read after turning it). */
  rotation: 0 | 180;
  /** The main lines (columns, rows) in reading order; notes are apart, in `notes`. */
  lines: OcrLine[];
  /** Notes in reading order, each placed after a main line. */
  notes: OcrNote[];
  seals: OcrSeal[];
  /**
   * Share of the page's ink (0–1) that no line, note or seal covers, after columns of unread ink
   * were looked for and read; null on an empty page or when not measured.
   */
  unreadInk: number | null;
  /**
   * Traditional text: the main lines in reading order joined by newlines, then each note on a line
   * of its own, marked 〔註〕 (its place is in `notes`).
   */
  text: string;
  /** Simplified text of the same lines (OpenCC tw→cn over the whole text). */
  simplified: string;
  /** Why `lines` is empty; null when text was found. */
  reason: EmptyReason | null;
}
