import type { RawCandidate, RecognisedChar } from './recogniser.js';

export interface CtcOutput {
  /** Softmax probabilities, frames × classes, row-major. */
  probs: Float32Array;
  frames: number;
  classes: number;
}

/** The k highest-scoring classes of one row, best first, `skip` (the blank) left out. */
export const topK = (row: Float32Array, k: number, skip?: number): { index: number; score: number }[] => {
  const best: { index: number; score: number }[] = [];
  for (let i = 0; i < row.length; i++) {
    if (i === skip) continue;
    const score = row[i]!;
    if (best.length === k && score <= best[k - 1]!.score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]!.score < score) at--;
    best.splice(at, 0, { index: i, score });
    if (best.length > k) best.pop();
  }
  return best;
};

/**
 * Greedy CTC decoding that keeps, for every character, the frames it spans and the top
 * candidates at its most confident frame. `validFrames` excludes frames that fall on padding.
 * Character extents reach halfway into the gaps next to them, as fractions of the valid width.
 */
export const decodeCtc = (out: CtcOutput, alphabet: readonly string[], validFrames: number, candidates = 5): RecognisedChar[] => {
  const frames = Math.min(out.frames, validFrames);
  const runs: { cls: number; first: number; last: number; peak: number; peakScore: number }[] = [];
  let prev = 0;
  for (let t = 0; t < frames; t++) {
    const row = out.probs.subarray(t * out.classes, (t + 1) * out.classes);
    let cls = 0;
    let score = row[0]!;
    for (let c = 1; c < out.classes; c++) {
      if (row[c]! > score) {
        score = row[c]!;
        cls = c;
      }
    }
    if (cls !== 0) {
      const run = runs.at(-1);
      if (cls === prev && run !== undefined) {
        run.last = t;
        if (score > run.peakScore) {
          run.peak = t;
          run.peakScore = score;
        }
      } else {
        runs.push({ cls, first: t, last: t, peak: t, peakScore: score });
      }
    }
    prev = cls;
  }
  return runs.map((r, i) => {
    const row = out.probs.subarray(r.peak * out.classes, (r.peak + 1) * out.classes);
    const top: RawCandidate[] = topK(row, candidates, 0).map(({ index, score }) => ({ raw: alphabet[index] ?? '', score }));
    return {
      raw: alphabet[r.cls] ?? '',
      confidence: r.peakScore,
      candidates: top,
      ...runExtent(runs, i, frames),
    };
  });
};

/**
 * Where the i-th of a line's characters lies, as fractions of the line: its frames, reaching halfway
 * into the gaps on either side (half its width beyond the first and last characters).
 */
export const runExtent = (runs: readonly { first: number; last: number }[], i: number, frames: number): { start: number; end: number } => {
  const r = runs[i]!;
  const before = runs[i - 1];
  const after = runs[i + 1];
  const width = r.last - r.first + 1;
  const startFrame = before === undefined ? Math.max(0, r.first - width / 2) : (before.last + 1 + r.first) / 2;
  const endFrame = after === undefined ? Math.min(frames, r.last + 1 + width / 2) : (r.last + 1 + after.first) / 2;
  return { start: startFrame / frames, end: endFrame / frames };
};
