import ort from 'onnxruntime-node';
import { decodeCtc } from './ctc.js';
import { decodeCtcInContext } from './ctc-context.js';
import type { Recogniser } from './recogniser.js';
import type { PpOcrId } from './types.js';

const LINE_HEIGHT = 48;
/** PaddleOCR pads every line to at least 320 px (its training width); shorter lines read worse unpadded. */
const MIN_WIDTH = 320;

/** PP-OCR's CTC line recogniser (v4 and v5 alike): line image 48 px high, BGR scaled to [−1, 1], padding 0. */
export const ppOcrRecogniser = (session: ort.InferenceSession, classes: readonly string[], id: PpOcrId): Recogniser => ({
  id,
  lineHeight: LINE_HEIGHT,
  async recognise(line, context) {
    if (line.height !== LINE_HEIGHT) throw new Error(`line image must be ${LINE_HEIGHT} px high, got ${line.height}`);
    const width = Math.max(MIN_WIDTH, line.width);
    const plane = LINE_HEIGHT * width;
    const input = new Float32Array(3 * plane);
    for (let y = 0; y < LINE_HEIGHT; y++) {
      for (let x = 0; x < line.width; x++) {
        const i = (y * line.width + x) * 3;
        const o = y * width + x;
        input[o] = line.data[i + 2]! / 127.5 - 1;
        input[plane + o] = line.data[i + 1]! / 127.5 - 1;
        input[2 * plane + o] = line.data[i]! / 127.5 - 1;
      }
    }
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, LINE_HEIGHT, width]) });
    const output = result[session.outputNames[0]!];
    if (output === undefined) throw new Error('recogniser returned no output');
    const [, frames = 0, count = 0] = output.dims;
    if (count !== classes.length) throw new Error(`recogniser has ${count} classes, dictionary ${classes.length}`);
    // Frames over the padding are left out, so character extents are fractions of the line image.
    const validFrames = Math.max(1, Math.ceil((frames * line.width) / width));
    const ctc = { probs: output.data as Float32Array, frames, classes: count };
    const greedy = decodeCtc(ctc, classes, validFrames);
    return { greedy, chars: context === undefined ? greedy : decodeCtcInContext(ctc, classes, validFrames, context) };
  },
});
