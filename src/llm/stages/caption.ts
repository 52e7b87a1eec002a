import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { rules, textAnswer, type StageOptions } from './answers.js';

export interface CaptionInput {
  /** The photo (bytes or path). */
  image: Buffer | string;
  /** The local captioner's caption, when there is one, for the model to improve. */
  draft?: string;
}

const SYSTEM = [
  'You caption event photographs for the archive of a chamber of commerce.',
  'Write one or two factual sentences: the kind of event, the setting, how many people and what they do,',
  'and any legible banner text. Do not guess names, identities, gender or ethnicity.',
  'Reply with only the caption.',
  DATA_RULE,
].join(' ');

/** A caption for an event photo from a vision model, improving the local captioner's draft when given. */
export async function captionPhoto(llm: LlmInterface, input: CaptionInput, options: StageOptions): Promise<LlmOutcome<string>> {
  // Checked first so that a skipped stage does not downscale the image for nothing.
  if (!llm.isConfigured('caption')) return llm.skip('caption', options.tracer);
  const request =
    input.draft === undefined || input.draft.trim() === ''
      ? 'Caption this photo.'
      : `An automatic captioner wrote:\n${dataBlock('draft caption', input.draft.trim())}\nWrite a better, slightly more precise caption for this photo.`;
  const conversation = await llm.conversation().system(SYSTEM).userWithImages(request, [input.image]);
  return llm.answer('caption', conversation, textAnswer(rules.english(), rules.atMost(1000, 'one or two sentences')), options);
}
