/**
 * Chooses the language model's weights (src/ocr/ctc-context.ts for CTC decoding, column-decoder.ts for
 * the choice among candidates) and, with them, PP-OCR's weight in the fusion (fusion.ts), on synthetic
 * column pages of real text that the language model never saw, drawn in fonts that neither recogniser
 * was trained on (ccr/synth_columns.py --text FILE --held-out-fonts, FILE from locale_text.py), never on
 * a real scan. Prints the CER of every combination for PP-OCR alone and for the fusion, the readings
 * without the language model for comparison, and the best combination last.
 * Usage: npx tsx models/training/lm/calibrate-context.ts DIR
 */
import { calibrationSetup, pagesCer } from '../calibration-pages.js';
import { defaultOcrOptions, type ContextWeights } from '../../../src/ocr/engine.js';
import { defaultFusionWeights, type ColumnReader, type FusionWeights } from '../../../src/ocr/fusion.js';

const { pages, models } = await calibrationSetup('models/training/lm/calibrate-context.ts');

/**
 * The language model costs about 5.4 nats a character on the held-out text (6 is used as the unit);
 * bonuses are shares of it times the weight, so a share of 1 makes a typical character cost nothing.
 */
const NATS_PER_CHAR = 6;
const grid: { label: string; context: ContextWeights }[] = [];
// Two coarser grids came first (ctc.lm 0–1, ctc share 0.75–2, slots.lm 0–0.75, slots share 1–1.5): the
// language model helped most with a larger bonus in CTC decoding and a light weight among candidates.
for (const ctcLm of [0.3, 0.6, 1]) {
  for (const ctcShare of [1.5, 2, 2.5, 3, 4]) {
    for (const slotLm of [0.25, 0.5]) {
      for (const slotShare of [1]) {
        const ctc = { lm: ctcLm, charBonus: ctcShare * NATS_PER_CHAR * ctcLm, beam: 8 };
        const slots = { lm: slotLm, charBonus: slotShare * NATS_PER_CHAR * slotLm, skipLogP: Math.log(0.3) };
        grid.push({ label: `ctc.lm=${ctcLm} ctc.share=${ctcShare} slots.lm=${slotLm} slots.share=${slotShare}`, context: { ctc, slots } });
      }
    }
  }
}

const readers: { reader: ColumnReader; fusion: FusionWeights }[] = [
  { reader: 'ppocr', fusion: defaultFusionWeights },
  ...[0.5, 0.65, 0.8].map((ppOcr) => ({ reader: 'fusion' as const, fusion: { ...defaultFusionWeights, ppOcr } })),
];
let best = { reader: '', label: '', cer: Infinity };
for (const { reader: columnReader, fusion } of readers) {
  const reader = columnReader === 'fusion' ? `fusion(ppOcr=${fusion.ppOcr})` : columnReader;
  const alone = await pagesCer(models, pages, { ...defaultOcrOptions, columnReader, fusion, context: null });
  console.log(`${reader} without the language model CER=${alone.toFixed(4)}`);
  for (const { label, context } of grid) {
    const cer = await pagesCer(models, pages, { ...defaultOcrOptions, columnReader, fusion, context });
    console.log(`${reader} ${label} CER=${cer.toFixed(4)}`);
    if (cer < best.cer) best = { reader, label, cer };
  }
}
console.log(`best ${JSON.stringify(best)}`);
