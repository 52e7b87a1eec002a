/** Character error rate: edit distance over reference length, on code points, whitespace ignored. */

const chars = (s: string): string[] => [...s.replace(/\s+/g, '')];

export const editDistance = (a: string, b: string): number => {
  const x = chars(a);
  const y = chars(b);
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
};

export const referenceLength = (s: string): number => chars(s).length;

export interface LinePair {
  /** Index into the reference lines. */
  reference: number;
  /** Indexes of the predicted lines matched to it, in order (none when it was missed). */
  predicted: number[];
  errors: number;
}

/**
 * Aligns predicted lines to reference lines in order, allowing a reference line to be matched by
 * several consecutive predicted lines (a column read in pieces) or by none, and predicted lines to
 * be left over (false alarms, counted as insertions): a monotone dynamic programme on edit distance.
 */
export const alignLines = (reference: readonly string[], predicted: readonly string[], maxPieces = 3): LinePair[] => {
  const n = reference.length;
  const m = predicted.length;
  const cost: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(Infinity));
  const back: { i: number; j: number }[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill({ i: -1, j: -1 }));
  cost[0]![0] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const here = cost[i]![j]!;
      if (here === Infinity) continue;
      const relax = (ni: number, nj: number, c: number): void => {
        if (here + c < cost[ni]![nj]!) {
          cost[ni]![nj] = here + c;
          back[ni]![nj] = { i, j };
        }
      };
      if (j < m) relax(i, j + 1, referenceLength(predicted[j]!));
      if (i < n) {
        relax(i + 1, j, referenceLength(reference[i]!));
        for (let k = 1; k <= maxPieces && j + k <= m; k++) relax(i + 1, j + k, editDistance(reference[i]!, predicted.slice(j, j + k).join('')));
      }
    }
  }
  const pairs: LinePair[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const from = back[i]![j]!;
    if (from.i < i) {
      const predictedLines = Array.from({ length: j - from.j }, (_, k) => from.j + k);
      pairs.unshift({
        reference: from.i,
        predicted: predictedLines,
        errors: editDistance(reference[from.i]!, predictedLines.map((k) => predicted[k]!).join('')),
      });
    }
    i = from.i;
    j = from.j;
  }
  return pairs;
};
