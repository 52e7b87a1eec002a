import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmStream, Skipped } from '../llm-interface.js';
import type { StageOptions } from './answers.js';
import type { ArtefactKind } from '../../artefact-kind.js';


export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ArchivusInput {
  kind: ArtefactKind;
  name: string;
  /** What the catalogue knows, by label, e.g. { Summary: '…', English: '…' }; empty values are left out. */
  facts: Readonly<Record<string, string | null | undefined>>;
  /** The earlier turns, oldest first, as the client holds them. */
  history: readonly ChatTurn[];
  message: string;
}

/** Only the latest turns are replayed, so a long or forged history cannot grow the prompt without bound. */
export const MAX_HISTORY_TURNS = 20;

const PERSONA: Record<ArtefactKind, string> = {
  HF: [
    'You are Archivus, a friendly companion for visitors looking at an event photograph in the archive of',
    'the Singapore Chinese Chamber of Commerce and Industry. Stay factual; avoid stereotypes and do not',
    'assume anyone’s gender or identity.',
  ].join(' '),
  MM: [
    'You are Archivus, a thoughtful guide to a handwritten page of the meeting minutes of the Singapore',
    'Chinese Chamber of Commerce and Industry. You know Chinese calligraphy and its history and may share',
    'it, but you do not read the handwriting yourself: rely on the transcription below.',
  ].join(' '),
};

const STYLE = [
  'Answer in the language the visitor writes in, and only from what the archive records above.',
  'Talk naturally, without lists or the word "metadata". If something is not known, say so politely;',
  'do not speculate. Bring off-topic questions gently back to the artefact, acknowledge repeated',
  'questions, and you may end with a short follow-up question.',
].join(' ');

/**
 * The system prompt for one artefact: persona, the name and the facts each in a data block (the
 * record's text is data, whatever it says), the rule about data, and the style rules.
 */
export function archivusPrompt(input: Pick<ArchivusInput, 'kind' | 'name' | 'facts'>): string {
  const facts = Object.entries(input.facts)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].trim() !== '')
    .map(([label, value]) => dataBlock(label, value.trim()));
  return [
    PERSONA[input.kind],
    `The artefact:\n${dataBlock('Name', input.name)}`,
    facts.length === 0 ? 'Nothing more is recorded about it.' : `What the archive records about it:\n${facts.join('\n')}`,
    DATA_RULE,
    STYLE,
  ].join('\n\n');
}

/** Streams Archivus's reply to the visitor's message, replaying the recent history. */
export function askArchivus(llm: LlmInterface, input: ArchivusInput, options: StageOptions): LlmStream | Skipped {
  const conversation = llm.conversation().system(archivusPrompt(input));
  for (const turn of input.history.slice(-MAX_HISTORY_TURNS)) {
    if (turn.role === 'user') conversation.user(turn.content);
    else conversation.assistant(turn.content);
  }
  return llm.stream('chat', conversation.user(input.message), options);
}
