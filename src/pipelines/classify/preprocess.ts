import sharp from 'sharp';
import { decodeRgb, type RgbPixels } from '../faces/image.js';
import { CLASSIFIER_INPUT_SIZE } from './model.js';

/** RGB pixels squashed to the classifier's square input (as in training: the whole image, no crop). */
export const resizeForClassifier = async (pixels: RgbPixels): Promise<Uint8Array> => {
  const side = CLASSIFIER_INPUT_SIZE;
  return sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .resize(side, side, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer();
};

/** HWC uint8 RGB -> CHW float in [0, 1]; the model normalises internally. */
export const toInputTensor = (rgb: Uint8Array): Float32Array => {
  const plane = CLASSIFIER_INPUT_SIZE * CLASSIFIER_INPUT_SIZE;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    input[i] = (rgb[3 * i] ?? 0) / 255;
    input[plane + i] = (rgb[3 * i + 1] ?? 0) / 255;
    input[2 * plane + i] = (rgb[3 * i + 2] ?? 0) / 255;
  }
  return input;
};

/**
 * Any image sharp reads (RGBA PNG flattened on white, grayscale, CMYK JPEG, EXIF-rotated) -> the
 * classifier input. Unreadable bytes are INVALID_IMAGE (from decodeRgb).
 */
export const prepareClassifierInput = async (image: Uint8Array): Promise<{ input: Float32Array; width: number; height: number }> => {
  const pixels = await decodeRgb(image);
  return { input: toInputTensor(await resizeForClassifier(pixels)), width: pixels.width, height: pixels.height };
};
