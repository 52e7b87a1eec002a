import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { mapAnswer, rules, textAnswer, type StageOptions } from './answers.js';

export interface OcrCorrectionInput {
  /** The page image (bytes or path). */
  image: Buffer | string;
  /** The OCR text: one line per vertical column, rightmost column first. */
  text: string;
  /** Characters the OCR was unsure of, with the other readings it considered, best first. */
  uncertain?: readonly { line: number; position: number; char: string; alternatives: readonly string[] }[];
}

export interface OcrCorrection {
  text: string;
  /** Whether the model changed anything. */
  corrected: boolean;
}

const SYSTEM = [
  'You proofread machine transcriptions of handwritten Traditional Chinese documents from the early',
  '20th century against the page image.',
  'The transcription has one line per vertical column of the page, rightmost column first.',
  'Fix characters that are wrong, missing or extra so the text matches the image and reads sensibly.',
  'Keep Traditional characters, the wording of the original and one line per column in the same order.',
  'Reply with only the corrected text: no explanations, no translation, no punctuation that is not on the page.',
  DATA_RULE,
].join(' ');

/** Corrects the OCR of a minutes page with a vision model, against the page image. */
export async function correctOcr(llm: LlmInterface, input: OcrCorrectionInput, options: StageOptions): Promise<LlmOutcome<OcrCorrection>> {
  // Checked first so that a skipped stage does not downscale the image for nothing.
  if (!llm.isConfigured('ocr_correction')) return llm.skip('ocr_correction', options.tracer);
  const conversation = llm.conversation().system(SYSTEM);
  const hints = (input.uncertain ?? [])
    .slice(0, 200)
    .map((u) => `line ${u.line + 1}, character ${u.position + 1}: read "${u.char}", could be ${u.alternatives.map((a) => `"${a}"`).join(' or ')}`);
  const request =
    hints.length === 0
      ? `Transcription to correct:\n${dataBlock('transcription', input.text)}`
      : `Transcription to correct:\n${dataBlock('transcription', input.text)}\n\nThe OCR was unsure of these characters (other readings it considered):\n${hints.join('\n')}`;
  await conversation.userWithImages(request, [input.image]);
  // A correction is Chinese and about as long as what it corrects: a refusal or a commentary is not one.
  const check = textAnswer(rules.chinese(), rules.hanLike(input.text, 0.5, 1.5));
  const outcome = await llm.answer('ocr_correction', conversation, check, options);
  return mapAnswer(outcome, (text) => ({ text, corrected: text !== input.text.trim() }));
}
