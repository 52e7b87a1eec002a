import { z } from 'zod';
import { DATA_RULE, dataBlock } from '../data-block.js';
import type { LlmInterface, LlmOutcome } from '../llm-interface.js';
import type { StageOptions } from './answers.js';

export interface CategoryInfo {
  name: string;
  description: string;
}

export interface ArtefactForCategorising {
  name: string;
  caption: string | null;
  additionalInfo: string | null;
}

/** Bounds on what the model may write into the catalogue (the same as a person's category edits). */
export const CATEGORY_NAME_MAX = 120;
export const CATEGORY_DESCRIPTION_MAX = 2000;
export const REASON_MAX = 1000;

const categoryName = () => z.string().trim().min(1).max(CATEGORY_NAME_MAX);
const categoryDescription = () => z.string().trim().min(1).max(CATEGORY_DESCRIPTION_MAX);
const reasonText = () => z.string().trim().min(1).max(REASON_MAX);

const Existing = z.object({
  decision: z.literal('existing'),
  category: z.string().min(1).describe('the exact name of an existing category'),
  revisedName: categoryName().optional().describe('only if the artefact widens the category'),
  revisedDescription: categoryDescription().optional().describe('only if the artefact widens the category'),
  reason: reasonText(),
});
const New = z.object({
  decision: z.literal('new'),
  name: categoryName(),
  description: categoryDescription(),
  reason: reasonText(),
});

export type CategoryDecision = z.output<typeof Existing> | z.output<typeof New>;

const SYSTEM = [
  'You sort event photographs into categories in the digitisation system of the Singapore Chinese Chamber',
  'of Commerce and Industry. Given the existing categories and one photo, either:',
  '(a) assign it to the best existing category;',
  '(b) assign it to an existing category and propose a revised name and/or description, if the photo',
  'slightly widens what the category covers; or',
  '(c) propose a new category, only if the photo is clearly different from every existing category and',
  'the new category is likely to attract more photos.',
  'Always give a brief, specific reason.',
  DATA_RULE,
].join(' ');

/**
 * Chooses a category for an event photo: an existing one (names must match exactly), possibly
 * revised, or a new one. Answers that name an unknown category or reuse an existing name are sent
 * back to the model with the problem, like any invalid answer.
 */
export async function categorise(
  llm: LlmInterface,
  artefact: ArtefactForCategorising,
  categories: readonly CategoryInfo[],
  options: StageOptions,
): Promise<LlmOutcome<CategoryDecision>> {
  const names = categories.map((c) => c.name);
  const taken = (name: string, except?: string) =>
    names.some((n) => n !== except && n.toLowerCase() === name.trim().toLowerCase());
  const Decision = z.discriminatedUnion('decision', [Existing, New]).superRefine((answer, ctx) => {
    if (answer.decision === 'existing') {
      if (!names.includes(answer.category)) {
        ctx.addIssue({ code: 'custom', path: ['category'], message: `must be exactly one of the existing names: ${names.join('; ') || '(there are none)'}` });
      } else if (answer.revisedName !== undefined && taken(answer.revisedName, answer.category)) {
        ctx.addIssue({ code: 'custom', path: ['revisedName'], message: 'another category already has this name' });
      }
    } else if (taken(answer.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a category with this name exists; assign to it with decision "existing"' });
    }
  });

  const list = categories.length === 0 ? 'No categories yet.' : categories.map((c) => `- ${c.name}: ${c.description}`).join('\n');
  const photo = [
    `Name: ${artefact.name}`,
    `Caption: ${artefact.caption ?? '(none)'}`,
    ...(artefact.additionalInfo ? [`Additional information: ${artefact.additionalInfo}`] : []),
  ].join('\n');
  const conversation = llm.conversation().system(SYSTEM).user(`Existing categories:\n${dataBlock('categories', list)}\n\nThe photo:\n${dataBlock('photo', photo)}`);
  return llm.completeJson('categorise', conversation, Decision, options);
}
