import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { mapAnswer, replyText, type StageOptions } from './answers.js';

const SYSTEM = [
  'You summarise pages of historical meeting minutes for an archive catalogue.',
  'Write a concise English summary of two or three sentences: who met, what was discussed or decided.',
  'Use only what the text says. Reply with only the summary.',
].join(' ');

/** Summarises a page from its English translation. */
export async function summarise(llm: LlmInterface, english: string, options: StageOptions): Promise<LlmOutcome<string>> {
  const conversation = llm.conversation().system(SYSTEM).user(english);
  return mapAnswer(await llm.complete('summary', conversation, options), replyText);
}
