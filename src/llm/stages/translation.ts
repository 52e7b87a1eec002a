import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { mapAnswer, replyText, type StageOptions } from './answers.js';

const SYSTEM = [
  'You translate historical Traditional Chinese documents (minutes of the Singapore Chinese Chamber of',
  'Commerce, from 1906 on) into formal, fluent English.',
  'The text has one line per vertical column; translate it as continuous prose.',
  'Reply with only the English translation: no Chinese characters, notes or explanations.',
].join(' ');

/**
 * Translates a page's Traditional Chinese text into English. (Simplified Chinese is a character
 * conversion, done offline with OpenCC, not by a language model.)
 */
export async function translateToEnglish(llm: LlmInterface, traditional: string, options: StageOptions): Promise<LlmOutcome<string>> {
  const conversation = llm.conversation().system(SYSTEM).user(traditional);
  return mapAnswer(await llm.complete('translation', conversation, options), replyText);
}
