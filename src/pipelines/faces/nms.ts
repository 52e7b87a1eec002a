import { iou, overlapOfSmaller, type FaceBox } from './box.js';

export interface Scored {
  box: FaceBox;
  score: number;
}

export interface SuppressionOptions {
  /** A box overlapping a better one by more than this IoU is the same face. */
  iou: number;
  /**
   * A box lying mostly (this fraction of the smaller box) inside a better one is the same face seen
   * at another scale, or a part of it; faces in a crowd overlap far less than that.
   */
  containment: number;
}

/** Greedy non-maximum suppression, best score first. */
export const suppressOverlaps = <T extends Scored>(candidates: readonly T[], options: SuppressionOptions): T[] => {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    const duplicate = kept.some((k) => iou(k.box, candidate.box) > options.iou || overlapOfSmaller(k.box, candidate.box) > options.containment);
    if (!duplicate) kept.push(candidate);
  }
  return kept;
};
