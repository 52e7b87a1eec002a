import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { rules, textAnswer, type StageOptions } from './answers.js';

const SYSTEM = [
  'You summarise pages of historical meeting minutes for an archive catalogue.',
  'Write a concise English summary of two or three sentences: who met, what was discussed or decided.',
  'Use only what the text says. Reply with only the summary.',
  DATA_RULE,
].join(' ');

/** Summarises a page from its English translation. */
export async function summarise(llm: LlmInterface, english: string, options: StageOptions): Promise<LlmOutcome<string>> {
  const conversation = llm.conversation().system(SYSTEM).user(dataBlock('page in English', english));
  const check = textAnswer(rules.english(), rules.atMost(Math.max(600, english.length), 'two or three sentences'));
  return llm.answer('summary', conversation, check, options);
}
