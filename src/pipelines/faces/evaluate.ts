import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { iou, type FaceBox } from './box.js';

/**
 * Hand-made face boxes for one photo: `{ "image": "...", "boxes": [{ "x", "y", "w", "h", "difficult"? }] }`;
 * `image` is the photo's path relative to the boxes file.
 */
const boxesFileSchema = z.object({
  image: z.string().min(1),
  note: z.string().optional(),
  boxes: z.array(
    z.object({
      x: z.number(),
      y: z.number(),
      w: z.number().positive(),
      h: z.number().positive(),
      /** A face too cut off or turned away to demand: neither a miss nor, when found, a false positive. */
      difficult: z.boolean().optional(),
    }),
  ),
});

export interface TruthBox extends FaceBox {
  difficult: boolean;
}

export interface BoxesFile {
  /** The photo's path, resolved against the boxes file's folder. */
  image: string;
  boxes: TruthBox[];
}

export const readBoxesFile = async (file: string): Promise<BoxesFile> => {
  const parsed = boxesFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new AppError('BAD_USER_INPUT', `${file} is not a boxes file: ${z.prettifyError(parsed.error)}`);
  return {
    image: path.resolve(path.dirname(file), parsed.data.image),
    boxes: parsed.data.boxes.map((b) => ({ x: b.x, y: b.y, width: b.w, height: b.h, difficult: b.difficult ?? false })),
  };
};

export interface DetectionScore {
  /** IoU a detection needs with a hand-made box to count as finding it. */
  iouThreshold: number;
  /** Hand-made boxes that are not difficult. */
  faces: number;
  detections: number;
  truePositives: number;
  falsePositives: number;
  /** Detections matched to difficult boxes: not counted either way. */
  ignored: number;
  recall: number;
  precision: number;
  /** Hand-made (not difficult) boxes no detection matched. */
  missed: FaceBox[];
  /** Detections that matched no hand-made box. */
  falseBoxes: FaceBox[];
}

/**
 * PASCAL VOC-style matching: detections in descending score order each take the unmatched
 * hand-made box they overlap most, if that IoU reaches the threshold.
 */
export const scoreDetections = (
  detections: readonly { box: FaceBox; score: number }[],
  truth: readonly TruthBox[],
  iouThreshold = 0.4,
): DetectionScore => {
  const taken = new Set<number>();
  let truePositives = 0;
  let ignored = 0;
  const falseBoxes: FaceBox[] = [];
  for (const detection of [...detections].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = iouThreshold;
    truth.forEach((t, i) => {
      const overlap = iou(t, detection.box);
      if (!taken.has(i) && overlap >= bestIou) {
        best = i;
        bestIou = overlap;
      }
    });
    const matched = truth[best];
    if (matched === undefined) {
      falseBoxes.push(detection.box);
      continue;
    }
    taken.add(best);
    if (matched.difficult) ignored++;
    else truePositives++;
  }
  const faces = truth.filter((t) => !t.difficult).length;
  const counted = truePositives + falseBoxes.length;
  return {
    iouThreshold,
    faces,
    detections: detections.length,
    truePositives,
    falsePositives: falseBoxes.length,
    ignored,
    recall: faces === 0 ? 1 : truePositives / faces,
    precision: counted === 0 ? 1 : truePositives / counted,
    missed: truth.filter((t, i) => !t.difficult && !taken.has(i)),
    falseBoxes,
  };
};
