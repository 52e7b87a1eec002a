/**
 * Chooses the fusion weights (src/ocr/fusion.ts) on synthetic column pages made by synth_columns.py,
 * never on a real scan: reads every page with each pair of weights and prints the CER per pair, then
 * PP-OCR alone and our classifier alone for comparison, and the best pair last. Model outputs are
 * memoised by input, so every pair after the first costs only the engine's own pre- and post-processing.
 * Usage: npx tsx models/training/ccr/calibrate-fusion.ts DIR   (DIR holds page-NN.jpg + page-NN.gt.txt)
 */
import { calibrationSetup, pagesCer } from '../calibration-pages.js';
import { defaultOcrOptions, type OcrOptions } from '../../../src/ocr/engine.js';

const { pages, models } = await calibrationSetup('models/training/ccr/calibrate-fusion.ts');
// Character by character, as the fusion weights were chosen before the language model existed.
const cer = (options: OcrOptions): Promise<number> => pagesCer(models, pages, { ...options, context: null });

console.log(`ppocr CER=${(await cer({ ...defaultOcrOptions, columnReader: 'ppocr' })).toFixed(4)}`);
const insertMins = [0.3, 0.5, 0.7, 0.9, 1.01];
console.log(`ccr   CER=${(await cer({ ...defaultOcrOptions, columnReader: 'ccr', fusion: { ppOcr: 0, insertMin: 0.5 } })).toFixed(4)} (insertMin 0.5)`);
let best = { ppOcr: 0, insertMin: 0, cer: Infinity };
for (const ppOcr of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
  for (const insertMin of insertMins) {
    const value = await cer({ ...defaultOcrOptions, columnReader: 'fusion', fusion: { ppOcr, insertMin } });
    console.log(`fusion ppOcr=${ppOcr} insertMin=${insertMin} CER=${value.toFixed(4)}`);
    if (value < best.cer) best = { ppOcr, insertMin, cer: value };
  }
}
console.log(`best ppOcr=${best.ppOcr} insertMin=${best.insertMin} CER=${best.cer.toFixed(4)}`);
