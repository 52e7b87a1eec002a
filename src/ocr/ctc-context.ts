import type { CharLm } from './char-lm.js';
import { runExtent, topK, type CtcOutput } from './ctc.js';
import type { RecognisedChar } from './recogniser.js';

export interface CtcContextWeights {
  /** Weight of the language model's log probability against the CTC log probability. */
  lm: number;
  /** Added for every character read, so that the language model's cost per character does not by itself argue for reading fewer. */
  charBonus: number;
  /** Prefixes kept after every frame. */
  beam: number;
}

/**
 * Chosen on synthetic column pages of held-out text (models/training/lm/calibrate-context.ts), never
 * on a real scan, with PP-OCRv4 and the bigram model, and confirmed for PP-OCRv5 and the trigram model
 * (calibrate.sh: 0.7 or 1.4 times either weight read those pages worse).
 * The bonus outweighs the model's cost of a typical character (0.3 × 5.4 nats): PP-OCR's greedy
 * reading leaves characters out far more often than it invents them.
 */
export const defaultCtcContextWeights: CtcContextWeights = { lm: 0.3, charBonus: 5.4, beam: 8 };

/** What the prefix search needs besides the CTC output. */
export interface CtcContext {
  lm: CharLm;
  weights: CtcContextWeights;
  /** The character a dictionary entry stands for in the language model (Traditional). */
  toChar(raw: string): string;
}

/** Per frame, only characters at least this likely are tried (the blank always is). */
const MIN_FRAME_P = 1e-3;
/** And at most this many. */
const FRAME_CHARS = 8;

const NEG = -Infinity;
const logAdd = (a: number, b: number): number => (a === NEG ? b : b === NEG ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));

/** A character of a prefix: the frames it was read over, its best frame, and the dictionary entry that gave it. */
interface Run {
  char: string;
  raw: string;
  first: number;
  last: number;
  peak: number;
  peakP: number;
}

interface Prefix {
  runs: readonly Run[];
  /** log P(frames so far, prefix) ending in a blank / in the prefix's last character. */
  blank: number;
  char: number;
  /** Language model and character bonus, summed over the prefix. */
  context: number;
}

const total = (p: Prefix): number => logAdd(p.blank, p.char) + p.context;

/** One frame's characters: the dictionary entries summed per character (国 and 國 both count for 國). */
const frameChars = (row: Float32Array, alphabet: readonly string[], toChar: (raw: string) => string): Map<string, { p: number; raw: string; rawP: number }> => {
  const out = new Map<string, { p: number; raw: string; rawP: number }>();
  for (let c = 1; c < row.length; c++) {
    const p = row[c]!;
    if (p < MIN_FRAME_P) continue;
    const raw = alphabet[c] ?? '';
    if (raw.trim() === '') continue;
    const char = toChar(raw);
    const at = out.get(char);
    if (at === undefined) out.set(char, { p, raw, rawP: p });
    else {
      at.p += p;
      if (p > at.rawP) Object.assign(at, { raw, rawP: p });
    }
  }
  return new Map([...out.entries()].sort((a, b) => b[1].p - a[1].p).slice(0, FRAME_CHARS));
};

/**
 * CTC prefix beam search with the character language model (shallow fusion). Greedy decoding drops a
 * character whose frames the blank wins even when the character is plainly second (勸 at 0.09 beside
 * a blank at 0.44); here such a character is read when the context supports it. Characters are
 * searched in the language model's (Traditional) form, so a Simplified and a Traditional dictionary
 * entry for one character add up. Each character keeps its frames, as in greedy decoding, and the
 * top candidates of its best frame, the chosen one first with its summed probability.
 */
export const decodeCtcInContext = (out: CtcOutput, alphabet: readonly string[], validFrames: number, context: CtcContext, candidates = 5): RecognisedChar[] => {
  const frames = Math.min(out.frames, validFrames);
  const { lm, weights } = context;
  const toChar = memo(context.toChar);
  let beams = new Map<string, Prefix>([['', { runs: [], blank: 0, char: NEG, context: 0 }]]);
  for (let t = 0; t < frames; t++) {
    const row = out.probs.subarray(t * out.classes, (t + 1) * out.classes);
    const blankP = Math.log(Math.max(row[0]!, 1e-12));
    const chars = frameChars(row, alphabet, toChar);
    const next = new Map<string, Prefix>();
    const merge = (key: string, runs: readonly Run[], contextScore: number, blank: number, char: number): void => {
      const at = next.get(key);
      if (at === undefined) {
        next.set(key, { runs, blank, char, context: contextScore });
        return;
      }
      // The frames of the more likely path are kept.
      if (logAdd(blank, char) > logAdd(at.blank, at.char)) at.runs = runs;
      at.blank = logAdd(at.blank, blank);
      at.char = logAdd(at.char, char);
    };
    for (const [key, p] of beams) {
      const both = logAdd(p.blank, p.char);
      merge(key, p.runs, p.context, both + blankP, NEG);
      const last = p.runs.at(-1);
      for (const [char, { p: prob, raw }] of chars) {
        const logP = Math.log(prob);
        if (last !== undefined && char === last.char) {
          // The same character again: its run goes on; after a blank, it is read a second time.
          const longer = { ...last, last: t, ...(prob > last.peakP ? { peak: t, peakP: prob, raw } : {}) };
          merge(key, [...p.runs.slice(0, -1), longer], p.context, NEG, p.char + logP);
          if (p.blank === NEG) continue;
        }
        const from = last !== undefined && char === last.char ? p.blank : both;
        const runs = [...p.runs, { char, raw, first: t, last: t, peak: t, peakP: prob }];
        // The prefix's key is the text read so far: the model's history.
        const step = weights.lm * lm.logP(key, char) + weights.charBonus;
        merge(key + char, runs, p.context + step, NEG, from + logP);
      }
    }
    beams = new Map([...next.entries()].sort((a, b) => total(b[1]) - total(a[1])).slice(0, weights.beam));
  }
  const best = [...beams.values()].reduce((a, b) => (total(b) > total(a) ? b : a));
  const runs = best.runs;
  return runs.map((r, i) => {
    const row = out.probs.subarray(r.peak * out.classes, (r.peak + 1) * out.classes);
    const others = topK(row, candidates, 0)
      .map(({ index, score }) => ({ raw: alphabet[index] ?? '', score }))
      .filter((c) => toChar(c.raw) !== r.char);
    const argmax = row.reduce((best, p, c) => (p > row[best]! ? c : best), 0);
    return {
      raw: r.raw,
      // Read where the blank or another character had the frame: the context decided.
      byContext: argmax === 0 || toChar(alphabet[argmax] ?? '') !== r.char,
      confidence: Math.min(1, r.peakP),
      candidates: [{ raw: r.raw, score: Math.min(1, r.peakP) }, ...others].slice(0, candidates),
      ...runExtent(runs, i, frames),
    };
  });
};

const memo = (f: (raw: string) => string): ((raw: string) => string) => {
  const seen = new Map<string, string>();
  return (raw) => {
    let out = seen.get(raw);
    if (out === undefined) seen.set(raw, (out = f(raw)));
    return out;
  };
};
