import { describe, expect, it } from 'vitest';
import { scoreDetections, type TruthBox } from '../../src/pipelines/faces/evaluate.js';

const truth = (x: number, difficult = false): TruthBox => ({ x, y: 0, width: 10, height: 10, difficult });
const found = (x: number, score = 0.9) => ({ box: { x, y: 0, width: 10, height: 10 }, score });

describe('scoreDetections', () => {
  it('counts matches at the IoU threshold, misses and false boxes', () => {
    const score = scoreDetections([found(0), found(22), found(100)], [truth(0), truth(20), truth(50)], 0.4);
    // x=22 against x=20: IoU 80/120 = 0.67.
    expect(score).toMatchObject({ faces: 3, truePositives: 2, falsePositives: 1, ignored: 0 });
    expect(score.recall).toBeCloseTo(2 / 3);
    expect(score.precision).toBeCloseTo(2 / 3);
    expect(score.missed).toEqual([truth(50)]);
  });

  it('lets one hand-made box match only one detection, the best scored', () => {
    const score = scoreDetections([found(1, 0.8), found(0, 0.95)], [truth(0)], 0.4);
    expect(score).toMatchObject({ truePositives: 1, falsePositives: 1 });
    expect(score.falseBoxes[0]?.x).toBe(1);
  });

  it('neither demands nor penalises difficult faces', () => {
    expect(scoreDetections([found(0)], [truth(0, true), truth(40)], 0.4)).toMatchObject({ faces: 1, truePositives: 0, falsePositives: 0, ignored: 1, recall: 0 });
    expect(scoreDetections([], [truth(0, true)], 0.4)).toMatchObject({ faces: 0, recall: 1, precision: 1 });
  });
});
