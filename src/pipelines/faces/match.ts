/**
 * Decides who a detected face is, from its embedding and the figures already known. Pure logic: no
 * I/O, no model. Similarities are cosine similarities of face embeddings (1 = same direction).
 */

/** A known figure and the embeddings kept for it (several views of the same person). */
export interface FigureExemplars {
  figureId: string;
  exemplars: readonly Float32Array[];
}

export interface MatchThresholds {
  /** Best similarity at or above which a face may be assigned automatically. */
  assign: number;
  /** Best similarity at or above which a figure is worth suggesting to a person. */
  suggest: number;
  /** How far the best figure must lead the runner-up figure for an automatic assignment. */
  margin: number;
  /** Faces smaller than this (larger side of the box, in photo pixels) are never assigned automatically. */
  minFacePx: number;
  /** A matched face is kept as a new exemplar only if its best similarity to the figure's exemplars is below this. */
  diversity: number;
}

/**
 * Calibrated for HSE FaceRes on same-person and different-person pairs (scripts/calibrate-face-threshold.ts;
 * numbers and the rule in docs/faces-identification.md): `assign` halfway between the highest
 * different-person similarity seen (0.669) and the lowest genuine one (0.832), `suggest` at that
 * highest different-person similarity.
 */
export const DEFAULT_MATCH_THRESHOLDS: Readonly<MatchThresholds> = {
  assign: 0.75,
  suggest: 0.67,
  margin: 0.05,
  minFacePx: 40,
  diversity: 0.95,
};

export interface MatchCandidate {
  figureId: string;
  /** Best similarity over the figure's exemplars. */
  similarity: number;
}

export type SuggestionReason = 'below-threshold' | 'ambiguous' | 'too-small';

export type MatchDecision =
  | { outcome: 'assigned'; figureId: string; similarity: number; candidates: MatchCandidate[] }
  | { outcome: 'suggested'; reason: SuggestionReason; candidates: MatchCandidate[] }
  /**
   * No known figure is close: a new figure. `identifiable` is false for faces under `minFacePx`,
   * whose embeddings are too unreliable to found a figure on.
   */
  | { outcome: 'unknown'; identifiable: boolean; candidates: MatchCandidate[] }
  /**
   * Not decided: `waitingExemplars` exemplars of known figures still carry another embedding
   * model's vectors (they are being embedded again), so the figures compared are not all there is.
   */
  | { outcome: 'deferred'; reason: 'embedder-upgrade'; waitingExemplars: number; candidates: MatchCandidate[] };

/** How many candidates a decision carries (best first), for suggestions in the UI. */
const MAX_CANDIDATES = 3;

export const cosineSimilarity = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) throw new RangeError(`embeddings differ in length: ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
};

/** Best similarity of `query` to any of `exemplars`; -1 when there are none. */
export const bestSimilarity = (query: Float32Array, exemplars: readonly Float32Array[]): number =>
  exemplars.reduce((best, e) => Math.max(best, cosineSimilarity(query, e)), -1);

/** Known figures ranked by their best exemplar's similarity to the query, best first. */
export const rankFigures = (query: Float32Array, figures: readonly FigureExemplars[]): MatchCandidate[] =>
  figures
    .filter((f) => f.exemplars.length > 0)
    .map((f) => ({ figureId: f.figureId, similarity: bestSimilarity(query, f.exemplars) }))
    .sort((a, b) => b.similarity - a.similarity);

/**
 * Assigned only when the best figure is similar enough, clearly ahead of the runner-up figure, and
 * the face is large enough to identify; a plausible but uncertain match becomes a suggestion for a
 * person to confirm; anything else is unknown.
 */
export const matchFace = (
  query: Float32Array,
  facePx: number,
  figures: readonly FigureExemplars[],
  thresholds: Readonly<MatchThresholds> = DEFAULT_MATCH_THRESHOLDS,
): MatchDecision => {
  const ranked = rankFigures(query, figures);
  const candidates = ranked.slice(0, MAX_CANDIDATES);
  const identifiable = facePx >= thresholds.minFacePx;
  const best = ranked[0];
  if (best === undefined || best.similarity < thresholds.suggest) {
    return { outcome: 'unknown', identifiable, candidates };
  }
  const runnerUp = ranked[1]?.similarity ?? -1;
  if (!identifiable) return { outcome: 'suggested', reason: 'too-small', candidates };
  if (best.similarity < thresholds.assign) return { outcome: 'suggested', reason: 'below-threshold', candidates };
  if (best.similarity - runnerUp < thresholds.margin) return { outcome: 'suggested', reason: 'ambiguous', candidates };
  return { outcome: 'assigned', figureId: best.figureId, similarity: best.similarity, candidates };
};

/** The decision while some exemplars await embedding again: none, with the candidates known so far. */
export const deferMatch = (query: Float32Array, figures: readonly FigureExemplars[], waitingExemplars: number): MatchDecision => ({
  outcome: 'deferred',
  reason: 'embedder-upgrade',
  waitingExemplars,
  candidates: rankFigures(query, figures).slice(0, MAX_CANDIDATES),
});

/**
 * Whether a face assigned to a figure should be stored as one more exemplar: only when it adds a
 * view the figure lacks (its best similarity to the kept exemplars is below `diversity`), so the
 * exemplars cover poses and lighting instead of piling up near-copies.
 */
export const addsDiversity = (
  query: Float32Array,
  exemplars: readonly Float32Array[],
  thresholds: Readonly<MatchThresholds> = DEFAULT_MATCH_THRESHOLDS,
): boolean => bestSimilarity(query, exemplars) < thresholds.diversity;
