import type { CharLm } from './char-lm.js';
import type { Candidate } from './types.js';

/** One character position of a column, as the recognisers saw it. */
export interface Slot {
  /** Best first, with scores that act as probabilities (calibrated or softmax). */
  candidates: readonly Candidate[];
  /** A cell where the line recogniser read nothing: the decoder may leave it empty. */
  optional: boolean;
}

export interface DecoderWeights {
  /** Weight of the language model's log probability against the recognisers' log scores. */
  lm: number;
  /**
   * Added for every character read, so that the language model's cost per character (about its
   * entropy) does not by itself argue against reading an optional cell.
   */
  charBonus: number;
  /** Log score of leaving an optional cell empty: a character must do better to be read there. */
  skipLogP: number;
}

/**
 * Chosen with the CTC weights (ctc-context.ts) on the same synthetic pages, never on a real scan;
 * calibrated again for PP-OCRv5 and the trigram model (models/training/lm/calibrate.sh): 0.5 and 3
 * nats, chosen with PP-OCRv4 and the bigram model, read those pages at CER 0.2242 against 0.2222.
 */
export const defaultDecoderWeights: DecoderWeights = { lm: 0.35, charBonus: 1.47, skipLogP: Math.log(0.3) };

/** Candidates scored lower than this are treated as this unlikely (the recognisers' floor). */
const MIN_SCORE = 1e-4;

interface State {
  /** The last characters read (as many as the model's context: `order − 1`), '' before the first. */
  history: string;
  score: number;
  /** Choices so far, most recent first: a candidate index, or -1 for an empty optional cell. */
  choices: Choice | null;
}

interface Choice {
  pick: number;
  before: Choice | null;
}

/**
 * Reads a column as the most likely sequence of candidates under the recognisers' scores and the
 * character language model: exact Viterbi over states of the last characters read (one for a bigram
 * model, two for a trigram model), where optional cells may be skipped. Returns, per slot, the index
 * of the chosen candidate or -1 where the cell is left empty.
 */
export const decodeColumn = (slots: readonly Slot[], lm: CharLm, weights: DecoderWeights): number[] => {
  const keep = lm.order - 1;
  let states: State[] = [{ history: '', score: 0, choices: null }];
  for (const slot of slots) {
    const next: State[] = slot.optional ? states.map((s) => ({ ...s, score: s.score + weights.skipLogP, choices: { pick: -1, before: s.choices } })) : [];
    slot.candidates.forEach((candidate, pick) => {
      const visual = Math.log(Math.max(MIN_SCORE, candidate.score)) + weights.charBonus;
      for (const s of states) {
        const score = s.score + visual + weights.lm * lm.logP(s.history, candidate.char);
        next.push({ history: [...s.history, candidate.char].slice(-keep).join(''), score, choices: { pick, before: s.choices } });
      }
    });
    // A slot without candidates is passed over as it stands.
    if (next.length === 0) states = states.map((s) => ({ ...s, choices: { pick: -1, before: s.choices } }));
    else states = mergeByHistory(next);
  }
  const best = states.reduce((a, b) => (b.score > a.score ? b : a));
  const picks: number[] = [];
  for (let c = best.choices; c !== null; c = c.before) picks.push(c.pick);
  return picks.reverse();
};

/** Only the best state per history matters to the model: what came before it is never looked at again. */
const mergeByHistory = (states: State[]): State[] => {
  const best = new Map<string, State>();
  for (const s of states) {
    const at = best.get(s.history);
    if (at === undefined || s.score > at.score) best.set(s.history, s);
  }
  return [...best.values()];
};
