import type { Candidate, RecogniserId } from './types.js';

/** Which recogniser's reading the engine reports for columns. */
export type ColumnReader = 'ppocr' | 'ccr' | 'fusion';

export interface FusionWeights {
  /** Exponent of PP-OCR's probability in the fused score; our classifier's gets 1 minus it. */
  ppOcr: number;
  /** Our classifier's calibrated probability needed to add a character where PP-OCR read none. */
  insertMin: number;
}

/**
 * The best of a grid on 20 synthetic column pages (models/training/ccr/calibrate-fusion.ts; CER 0.517
 * there against 0.667 for PP-OCR alone), never chosen on a real page. See docs/ocr.md.
 */
export const defaultFusionWeights: FusionWeights = { ppOcr: 0.5, insertMin: 0.5 };

export const CCR_ID: RecogniserId = 'ccr-big5-kai';

/**
 * Merges the two recognisers' candidates for one character cell into one list, best first (5 at most),
 * as a product of experts: score ∝ PP-OCR probability^w × our probability^(1 − w), normalised over the
 * merged list. A character a model did not list gets half the lowest probability that model listed,
 * so it needs the other model's strong support to win; a character PP-OCR's dictionary lacks (such as
 * 議) can win that way. Each candidate lists the models that proposed it, the larger share first.
 */
export const fuseCandidates = (ppOcr: readonly Candidate[], ours: readonly Candidate[], weights: FusionWeights, top = 5): Candidate[] => {
  const merged = new Map<string, { char: string; raw: string; pp: number; ccr: number }>();
  for (const c of ppOcr) {
    const at = merged.get(c.char);
    // OpenCC can map two Simplified candidates onto one Traditional character: their mass adds up.
    if (at === undefined) merged.set(c.char, { char: c.char, raw: c.raw, pp: c.score, ccr: 0 });
    else at.pp += c.score;
  }
  for (const c of ours) {
    const at = merged.get(c.char);
    if (at === undefined) merged.set(c.char, { char: c.char, raw: c.raw, pp: 0, ccr: c.score });
    else at.ccr += c.score;
  }
  const floor = (list: readonly Candidate[]): number => Math.max(1e-6, Math.min(...list.map((c) => c.score)) / 2);
  const ppFloor = ppOcr.length > 0 ? floor(ppOcr) : 1;
  const ccrFloor = ours.length > 0 ? floor(ours) : 1;
  const w = weights.ppOcr;
  // PP-OCR's candidates name its version; our classifier's name ours.
  const ppId = ppOcr[0]?.models[0] ?? 'pp-ocrv5';
  const scored = [...merged.values()].map((m) => {
    const logScore = w * Math.log(m.pp > 0 ? m.pp : ppFloor) + (1 - w) * Math.log(m.ccr > 0 ? m.ccr : ccrFloor);
    const models: RecogniserId[] = [];
    if (m.pp > 0) models.push(ppId);
    if (m.ccr > 0) models.push(CCR_ID);
    if (m.pp > 0 && m.ccr > 0 && (1 - w) * m.ccr > w * m.pp) models.reverse();
    if (m.pp === 0 && m.ccr === 0) models.push(ppId);
    return { char: m.char, raw: m.raw, logScore, models };
  });
  const max = Math.max(...scored.map((c) => c.logScore));
  const total = scored.reduce((s, c) => s + Math.exp(c.logScore - max), 0);
  return scored
    .map(({ char, raw, logScore, models }) => ({ char, raw, score: Math.exp(logScore - max) / total, models }))
    .sort((a, b) => b.score - a.score)
    .slice(0, top);
};

/** Whether our classifier's reading of a cell where PP-OCR read nothing is kept as a character. */
export const keepInserted = (ours: readonly Candidate[], weights: FusionWeights): boolean => (ours[0]?.score ?? 0) >= weights.insertMin;
