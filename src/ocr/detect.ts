import ort from 'onnxruntime-node';
import { dbBoxes, defaultDbOptions, type DbOptions, type ScoredRect } from './db-postprocess.js';
import { minAreaRect, rectCorners } from './geometry.js';
import { resizeRgb, type RgbImage } from './image.js';

export interface DetectOptions {
  /** The image is scaled so its long side is this (up or down), rounded to multiples of 32. */
  longSide: number;
  db: DbOptions;
}

/**
 * 960 px is PaddleOCR's usual detection size. The box threshold is lowered from its 0.6 to 0.5:
 * handwriting on aged paper scores lower than print (two of the sample's 15 lines scored 0.58–0.60).
 */
export const defaultDetectOptions: DetectOptions = { longSide: 960, db: { ...defaultDbOptions, boxThreshold: 0.5 } };

// PaddleOCR normalises its BGR input with ImageNet statistics in this channel order; the model learnt that.
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

const round32 = (v: number): number => Math.max(32, Math.round(v / 32) * 32);

const toTensor = (image: RgbImage): ort.Tensor => {
  const { width, height, data } = image;
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // Channel c of the tensor is B, G, R for c = 0, 1, 2.
      out[c * plane + i] = (data[i * 3 + 2 - c]! / 255 - MEAN[c]!) / STD[c]!;
    }
  }
  return new ort.Tensor('float32', out, [1, 3, height, width]);
};

export interface Detection {
  boxes: ScoredRect[];
  inputWidth: number;
  inputHeight: number;
}

/** Runs the DB text detector; rectangles come back in the coordinates of `image`. */
export const detectText = async (session: ort.InferenceSession, image: RgbImage, options: DetectOptions = defaultDetectOptions): Promise<Detection> => {
  const scale = options.longSide / Math.max(image.width, image.height);
  const inputWidth = round32(image.width * scale);
  const inputHeight = round32(image.height * scale);
  const resized = await resizeRgb(image, inputWidth, inputHeight);
  const input = toTensor(resized);
  const result = await session.run({ [session.inputNames[0]!]: input });
  const output = result[session.outputNames[0]!];
  if (output === undefined) throw new Error('detector returned no output');
  const map = { width: inputWidth, height: inputHeight, data: output.data as Float32Array };
  const sx = image.width / inputWidth;
  const sy = image.height / inputHeight;
  const boxes = dbBoxes(map, options.db).map(({ rect, score }) => ({
    rect: minAreaRect(rectCorners(rect).map((p) => ({ x: p.x * sx, y: p.y * sy }))),
    score,
  }));
  return { boxes, inputWidth, inputHeight };
};
