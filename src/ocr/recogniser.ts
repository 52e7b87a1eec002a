import type { CtcContext } from './ctc-context.js';
import type { RgbImage } from './image.js';
import type { RecogniserId } from './types.js';

export interface RawCandidate {
  /** The character as the model's dictionary spells it. */
  raw: string;
  score: number;
}

/** One character read from a line image, before Traditional conversion and page mapping. */
export interface RecognisedChar {
  raw: string;
  confidence: number;
  candidates: RawCandidate[];
  /** Extent along the line image, as fractions of its width (0 = left edge). */
  start: number;
  end: number;
  /** True where a language model, not the frame's own best class, decided this character. */
  byContext?: boolean;
}

export interface RecognisedLine {
  /** The reading: in context when a language model was given, else the same as `greedy`. */
  chars: RecognisedChar[];
  /** Each frame's best class alone: what detector false alarms are judged on, whatever the context. */
  greedy: RecognisedChar[];
}

/**
 * Reads one line image whose text runs left to right. The engine talks to recognisers only through
 * this, so a second recogniser (our trained character model) can be added and their candidates fused.
 */
export interface Recogniser {
  readonly id: RecogniserId;
  /** Height in pixels the line image should be cut at. */
  readonly lineHeight: number;
  recognise(line: RgbImage, context?: CtcContext): Promise<RecognisedLine>;
}
