import { describe, expect, it } from 'vitest';
import {
  addsDiversity,
  cosineSimilarity,
  DEFAULT_MATCH_THRESHOLDS,
  matchFace,
  rankFigures,
  type FigureExemplars,
  type MatchThresholds,
} from '../../src/pipelines/faces/match.js';

/**
 * Unit vectors with a chosen cosine similarity to a base direction: `towards(s, k)` has similarity
 * s to e0 and is built along axis k, so two vectors on different axes share only the e0 component.
 */
const DIM = 128;
const towards = (similarity: number, axis: number): Float32Array => {
  const v = new Float32Array(DIM);
  v[0] = similarity;
  v[axis] = Math.sqrt(1 - similarity * similarity);
  return v;
};
const query = towards(1, 1);

const thresholds: MatchThresholds = { assign: 0.96, suggest: 0.92, margin: 0.02, minFacePx: 40, diversity: 0.98 };
const figure = (figureId: string, ...exemplars: Float32Array[]): FigureExemplars => ({ figureId, exemplars });

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, 0 for orthogonal vectors and ignores length', () => {
    expect(cosineSimilarity(towards(0.5, 3), towards(0.5, 3).map((x) => x * 7))).toBeCloseTo(1, 6);
    expect(cosineSimilarity(towards(0, 2), towards(0, 3))).toBeCloseTo(0, 6);
    expect(cosineSimilarity(query, towards(0.93, 5))).toBeCloseTo(0.93, 6);
  });

  it('refuses embeddings of different lengths', () => {
    expect(() => cosineSimilarity(new Float32Array(128), new Float32Array(512))).toThrow(RangeError);
  });
});

describe('matchFace', () => {
  it('assigns a large face to the clearly best figure, scored by its best exemplar', () => {
    const figures = [figure('a', towards(0.8, 2), towards(0.97, 3)), figure('b', towards(0.93, 4))];
    const decision = matchFace(query, 120, figures, thresholds);
    expect(decision).toMatchObject({ outcome: 'assigned', figureId: 'a' });
    if (decision.outcome !== 'assigned') return;
    expect(decision.similarity).toBeCloseTo(0.97, 5);
    expect(decision.candidates.map((c) => c.figureId)).toEqual(['a', 'b']);
  });

  it('never assigns a face under the minimum size, even to a perfect match', () => {
    const figures = [figure('a', towards(1, 1))];
    const decision = matchFace(query, 39, figures, thresholds);
    expect(decision).toMatchObject({ outcome: 'suggested', reason: 'too-small' });
    expect(decision.candidates[0]?.figureId).toBe('a');
    expect(matchFace(query, 40, figures, thresholds).outcome).toBe('assigned');
  });

  it('marks a tiny face with no close figure as unknown and not identifiable', () => {
    expect(matchFace(query, 16, [figure('a', towards(0.5, 2))], thresholds)).toMatchObject({ outcome: 'unknown', identifiable: false });
    expect(matchFace(query, 80, [figure('a', towards(0.5, 2))], thresholds)).toMatchObject({ outcome: 'unknown', identifiable: true });
  });

  it('turns two near-equal figures into a suggestion instead of picking one', () => {
    const figures = [figure('a', towards(0.975, 2)), figure('b', towards(0.965, 3))];
    const decision = matchFace(query, 100, figures, thresholds);
    expect(decision).toMatchObject({ outcome: 'suggested', reason: 'ambiguous' });
    expect(decision.candidates.map((c) => c.figureId)).toEqual(['a', 'b']);
    // The same lead is enough with a smaller margin.
    expect(matchFace(query, 100, figures, { ...thresholds, margin: 0.005 })).toMatchObject({ outcome: 'assigned', figureId: 'a' });
  });

  it('compares the runner-up figure, not the best figure’s other exemplars', () => {
    // Two close exemplars of the same figure are no ambiguity.
    const decision = matchFace(query, 100, [figure('a', towards(0.975, 2), towards(0.97, 3)), figure('b', towards(0.9, 4))], thresholds);
    expect(decision).toMatchObject({ outcome: 'assigned', figureId: 'a' });
  });

  it('suggests a plausible match below the assignment threshold and calls anything below the suggestion threshold unknown', () => {
    expect(matchFace(query, 100, [figure('a', towards(0.94, 2))], thresholds)).toMatchObject({ outcome: 'suggested', reason: 'below-threshold' });
    expect(matchFace(query, 100, [figure('a', towards(0.91, 2))], thresholds)).toMatchObject({ outcome: 'unknown', identifiable: true });
  });

  it('is unknown when there are no figures, and skips figures without exemplars', () => {
    expect(matchFace(query, 100, [], thresholds)).toEqual({ outcome: 'unknown', identifiable: true, candidates: [] });
    expect(rankFigures(query, [figure('empty'), figure('a', towards(0.5, 2))]).map((c) => c.figureId)).toEqual(['a']);
  });

  it('carries at most three candidates, best first', () => {
    const figures = [0.93, 0.99, 0.95, 0.94, 0.3].map((s, i) => figure(`f${i}`, towards(s, i + 2)));
    const decision = matchFace(query, 100, figures, thresholds);
    expect(decision.candidates.map((c) => c.figureId)).toEqual(['f1', 'f2', 'f3']);
  });

  it('has calibrated defaults in a sane order', () => {
    const d = DEFAULT_MATCH_THRESHOLDS;
    expect(d.suggest).toBeLessThan(d.assign);
    expect(d.assign).toBeLessThan(d.diversity);
    expect(d.minFacePx).toBe(40);
  });
});

describe('addsDiversity', () => {
  it('keeps a new exemplar only when it differs from every kept one', () => {
    const kept = [towards(0.99, 2), towards(0.9, 3)];
    expect(addsDiversity(towards(1, 1), kept, thresholds)).toBe(false);
    expect(addsDiversity(towards(1, 1), [towards(0.97, 2)], thresholds)).toBe(true);
    expect(addsDiversity(towards(1, 1), [], thresholds)).toBe(true);
  });
});
