import { z } from 'zod';
import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import { mapAnswer, type StageOptions } from './answers.js';

export const ENTITY_LABELS = ['PERSON', 'ORGANIZATION', 'LOCATION', 'DATE', 'EVENT'] as const;
export type EntityLabel = (typeof ENTITY_LABELS)[number];

export interface Entity {
  text: string;
  label: EntityLabel;
}

const Answer = z.object({
  entities: z.array(z.object({ text: z.string().min(1), label: z.enum(ENTITY_LABELS) })),
});

const SYSTEM = [
  'You find named entities in text (English or Traditional Chinese) from a historical archive: people, organisations, locations,',
  'dates and events. Give each entity exactly as it is written in the text, once.',
  DATA_RULE,
].join(' ');

/**
 * The named entities of a text (English, or the Chinese original). Entities whose text does not occur in the input are dropped:
 * the catalogue only records what the document itself says.
 */
export async function extractEntities(llm: LlmInterface, text: string, options: StageOptions): Promise<LlmOutcome<Entity[]>> {
  const conversation = llm.conversation().system(SYSTEM).user(dataBlock('text', text));
  const outcome = await llm.completeJson('entities', conversation, Answer, options);
  const haystack = text.toLowerCase();
  return mapAnswer(outcome, ({ entities }) => {
    const seen = new Set<string>();
    return entities
      .map((e) => ({ text: e.text.trim(), label: e.label }))
      .filter((e) => {
        const key = `${e.label}:${e.text.toLowerCase()}`;
        if (seen.has(key) || !haystack.includes(e.text.toLowerCase())) return false;
        seen.add(key);
        return true;
      });
  });
}
