import ort from 'onnxruntime-node';
import type { RgbImage } from './image.js';

const HEIGHT = 48;
const WIDTH = 192;

/**
 * Probability that the page is upside down, from PP-OCR's 0°/180° line classifier. Its input is a
 * 48×192 window (about four characters), so long lines are cut into windows rather than squeezed
 * into one; the answer is the mean over at most `maxWindows` windows, longest lines first.
 */
export const upsideDownProbability = async (session: ort.InferenceSession, lines: readonly RgbImage[], maxWindows = 16): Promise<number> => {
  const windows: { line: RgbImage; x: number }[] = [];
  for (const line of [...lines].sort((a, b) => b.width - a.width)) {
    if (line.height !== HEIGHT) throw new Error(`line image must be ${HEIGHT} px high, got ${line.height}`);
    for (let x = 0; x < line.width && windows.length < maxWindows; x += WIDTH) windows.push({ line, x });
  }
  if (windows.length === 0) return 0;
  const plane = HEIGHT * WIDTH;
  const input = new Float32Array(windows.length * 3 * plane);
  windows.forEach(({ line, x: left }, n) => {
    const base = n * 3 * plane;
    const right = Math.min(line.width, left + WIDTH);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = left; x < right; x++) {
        const i = (y * line.width + x) * 3;
        const o = base + y * WIDTH + (x - left);
        input[o] = line.data[i + 2]! / 127.5 - 1;
        input[o + plane] = line.data[i + 1]! / 127.5 - 1;
        input[o + 2 * plane] = line.data[i]! / 127.5 - 1;
      }
    }
  });
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [windows.length, 3, HEIGHT, WIDTH]) });
  const output = result[session.outputNames[0]!];
  if (output === undefined) throw new Error('angle classifier returned no output');
  const probs = output.data as Float32Array;
  let sum = 0;
  for (let n = 0; n < windows.length; n++) sum += probs[n * 2 + 1]!;
  return sum / windows.length;
};
