import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { rules, scriptOf, textAnswer, type StageOptions } from './answers.js';

const SYSTEM = [
  'You translate historical Traditional Chinese documents (minutes of the Singapore Chinese Chamber of',
  'Commerce, from 1906 on) into formal, fluent English.',
  'The text has one line per vertical column; translate it as continuous prose.',
  'Reply with only the English translation: no Chinese characters, notes or explanations.',
  DATA_RULE,
].join(' ');

/**
 * Translates a page's Traditional Chinese text into English. (Simplified Chinese is a character
 * conversion, done offline with OpenCC, not by a language model.)
 */
export async function translateToEnglish(llm: LlmInterface, traditional: string, options: StageOptions): Promise<LlmOutcome<string>> {
  const conversation = llm.conversation().system(SYSTEM).user(dataBlock('text to translate', traditional));
  // English runs to a few letters per Chinese character; far fewer or far more is not a translation of it.
  const han = scriptOf(traditional).han;
  const check = textAnswer(
    rules.english(),
    rules.atLeast(Math.floor(han * 0.5), 'translate the whole text'),
    rules.atMost(Math.max(400, han * 20), 'translate the text only, without notes'),
  );
  return llm.answer('translation', conversation, check, options);
}
