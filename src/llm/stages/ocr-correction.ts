import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { mapAnswer, replyText, type StageOptions } from './answers.js';

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
      ? `Transcription to correct:\n${input.text}`
      : `Transcription to correct:\n${input.text}\n\nThe OCR was unsure of these characters (other readings it considered):\n${hints.join('\n')}`;
  await conversation.userWithImages(request, [input.image]);
  const outcome = await llm.complete('ocr_correction', conversation, options);
  return mapAnswer(outcome, (reply) => {
    const text = replyText(reply);
    return { text, corrected: text !== input.text.trim() };
  });
}
