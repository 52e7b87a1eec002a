import * as ort from 'onnxruntime-node';
import { AppError } from '../../errors.js';
import type { FaceBox } from './box.js';
import { cachedSession } from '../../model-store/sessions.js';

/** Registry name of the detector (models/context.json). */
export const FACE_DETECTOR_MODEL = 'ultraface-rfb-320';

/** The network's fixed input size. */
export const DETECTOR_WIDTH = 320;
export const DETECTOR_HEIGHT = 240;
const PRIORS = 4420;

export interface RawDetection {
  /** In the 320×240 input's pixels. */
  box: FaceBox;
  score: number;
}

/** UltraFace RFB-320: one 320×240 RGB input in, face boxes out. */
export interface UltraFace {
  /**
   * `pixels` is 320×240 RGB, row-major. Returns every prior whose face score is at least
   * `minScore`, unsuppressed: the caller merges overlapping boxes across tiles.
   */
  run(pixels: Uint8Array, minScore: number): Promise<RawDetection[]>;
}

/** Opens the detector; `modelFile` is the verified path from the ModelStore. */
export const loadUltraFace = async (modelFile: string): Promise<UltraFace> => {
  const session = await cachedSession(modelFile, { model: FACE_DETECTOR_MODEL });
  const plane = DETECTOR_WIDTH * DETECTOR_HEIGHT;
  return {
    async run(pixels, minScore) {
      // A fresh buffer per run: two photos may be in flight on one thread.
      const input = new Float32Array(3 * plane);
      // HWC uint8 -> CHW float, (x - 127) / 128 as the network was trained.
      for (let i = 0; i < plane; i++) {
        input[i] = ((pixels[3 * i] ?? 0) - 127) / 128;
        input[plane + i] = ((pixels[3 * i + 1] ?? 0) - 127) / 128;
        input[2 * plane + i] = ((pixels[3 * i + 2] ?? 0) - 127) / 128;
      }
      const output = await session.run({ input: new ort.Tensor('float32', input, [1, 3, DETECTOR_HEIGHT, DETECTOR_WIDTH]) });
      const scores = output.scores?.data;
      const boxes = output.boxes?.data;
      if (!(scores instanceof Float32Array) || !(boxes instanceof Float32Array) || scores.length !== 2 * PRIORS || boxes.length !== 4 * PRIORS) {
        throw new AppError('MODEL_CORRUPT', `Model "${FACE_DETECTOR_MODEL}" did not give UltraFace RFB-320 outputs (scores 1×4420×2, boxes 1×4420×4)`);
      }
      const found: RawDetection[] = [];
      for (let p = 0; p < PRIORS; p++) {
        const score = scores[2 * p + 1] ?? 0;
        if (score < minScore) continue;
        // Boxes come decoded: corner form, normalised to the input size.
        const x1 = (boxes[4 * p] ?? 0) * DETECTOR_WIDTH;
        const y1 = (boxes[4 * p + 1] ?? 0) * DETECTOR_HEIGHT;
        const x2 = (boxes[4 * p + 2] ?? 0) * DETECTOR_WIDTH;
        const y2 = (boxes[4 * p + 3] ?? 0) * DETECTOR_HEIGHT;
        if (x2 > x1 && y2 > y1) found.push({ box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, score });
      }
      return found;
    },
  };
};
