/**
 * Chooses the language model's weights (src/ocr/ctc-context.ts for CTC decoding, column-decoder.ts for
 * the choice among candidates) and, with them, PP-OCR's weight in the fusion (fusion.ts), on synthetic
 * column pages of held-out text that the language model never saw, drawn in fonts that neither
 * recogniser was trained on (ccr/synth_columns.py --text FILE --held-out-fonts; calibrate.sh makes
 * them), never on a real scan. Coordinate search from the current defaults: each weight in turn is
 * tried at 0.7 and 1.4 times its value with the others held, and the best kept, for two passes (each
 * reading of 32 pages costs about 15 s of CPU); the CER is over the pages of every folder
 * together. Prints every reading and the best weights last, as the defaults would be written.
 * Usage: npx tsx models/training/lm/calibrate-context.ts [--lm FILE] DIR...
 */
import { loadCalibrationPages, memoisedOcrModels, pagesCer, type CalibrationPage } from '../calibration-pages.js';
import { loadCharLm } from '../../../src/ocr/char-lm.js';
import { defaultOcrOptions, type OcrOptions } from '../../../src/ocr/engine.js';

const args = process.argv.slice(2);
const lmAt = args.indexOf('--lm');
const lm = lmAt >= 0 ? args.splice(lmAt, 2)[1] : undefined;
if (args.length === 0 || (lmAt >= 0 && lm === undefined)) {
  console.error('usage: npx tsx models/training/lm/calibrate-context.ts [--lm FILE] DIR...');
  process.exit(2);
}
const packaged = await memoisedOcrModels();
const models = lm === undefined ? packaged : { ...packaged, languageModel: await loadCharLm(lm) };
const pages: CalibrationPage[] = (await Promise.all(args.map(loadCalibrationPages))).flat();
console.log(`${pages.length} pages from ${args.join(', ')}${lm === undefined ? '' : `, language model ${lm}`}`);

/**
 * The weights searched. Bonuses are given as shares of the language model's cost of a typical
 * character (6 nats, about its cross-entropy on held-out text) times its weight, so that a share of 1
 * makes a typical character cost nothing.
 */
interface Point {
  ppOcr: number;
  ctcLm: number;
  ctcShare: number;
  slotLm: number;
  slotShare: number;
}
const NATS_PER_CHAR = 6;
const defaults = defaultOcrOptions.context!;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const start: Point = {
  ppOcr: defaultOcrOptions.fusion.ppOcr,
  ctcLm: defaults.ctc!.lm,
  ctcShare: round(defaults.ctc!.charBonus / (NATS_PER_CHAR * defaults.ctc!.lm)),
  slotLm: defaults.slots.lm,
  slotShare: round(defaults.slots.charBonus / (NATS_PER_CHAR * defaults.slots.lm)),
};
/** Each weight's values are its current one times these factors. */
const FACTORS = [0.7, 1.4];

const options = (p: Point): OcrOptions => ({
  ...defaultOcrOptions,
  fusion: { ...defaultOcrOptions.fusion, ppOcr: p.ppOcr },
  context: {
    ctc: { ...defaults.ctc!, lm: p.ctcLm, charBonus: round(p.ctcShare * NATS_PER_CHAR * p.ctcLm) },
    slots: { ...defaults.slots, lm: p.slotLm, charBonus: round(p.slotShare * NATS_PER_CHAR * p.slotLm) },
  },
});
const seen = new Map<string, number>();
const cer = async (p: Point): Promise<number> => {
  const key = JSON.stringify(p);
  let value = seen.get(key);
  if (value === undefined) {
    seen.set(key, (value = await pagesCer(models, pages, options(p))));
    console.log(`${key} CER=${value.toFixed(4)}`);
  }
  return value;
};

console.log(`fusion without the language model CER=${(await pagesCer(models, pages, { ...defaultOcrOptions, context: null })).toFixed(4)}`);
let best = { point: start, cer: await cer(start) };
for (let pass = 0; pass < 2; pass++) {
  for (const name of Object.keys(start) as (keyof Point)[]) {
    const around = best.point[name];
    for (const factor of FACTORS) {
      const point = { ...best.point, [name]: round(name === 'ppOcr' ? Math.min(0.95, around * factor) : around * factor) };
      const read = await cer(point);
      if (read < best.cer) best = { point, cer: read };
    }
  }
}
const chosen = options(best.point);
console.log(`best CER=${best.cer.toFixed(4)} (from ${(await cer(start)).toFixed(4)}) fusion=${JSON.stringify(chosen.fusion)} context=${JSON.stringify(chosen.context)}`);
