import type { z } from 'zod';
import { describeIssues, jsonSchemaOf } from './json-schema.js';

export type JsonAnswer<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The instruction that asks the model for one JSON object of the given shape. */
export const jsonAnswerInstruction = (schema: z.ZodType): string =>
  'Reply with only one JSON object, no other text, that matches this JSON Schema:\n' + JSON.stringify(jsonSchemaOf(schema));

/** The follow-up that shows the model what was wrong with its last answer. */
export const jsonAnswerCorrection = (problem: string): string =>
  `Your answer was not accepted:\n${problem}\nReply again with only the corrected JSON object.`;

/**
 * Reads a model's answer as JSON and validates it. Models often wrap JSON in a Markdown fence or
 * add a sentence around it, so the outermost {…} is tried when the whole text is not JSON.
 */
export function parseJsonAnswer<S extends z.ZodType>(text: string, schema: S): JsonAnswer<z.output<S>> {
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch (error) {
    const start = unfenced.indexOf('{');
    const end = unfenced.lastIndexOf('}');
    try {
      if (start < 0 || end <= start) throw error;
      json = JSON.parse(unfenced.slice(start, end + 1));
    } catch {
      return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
    }
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeIssues(parsed.error) };
}

/** Reads a reply into a value, or says what is wrong with it (shown to the model for another try). */
export type AnswerCheck<T> = (text: string) => JsonAnswer<T>;

/** The follow-up that shows the model why its last free-text answer was not accepted. */
export const answerCorrection = (problem: string): string =>
  `Your answer was not accepted: ${problem}.\nReply again with only what was asked for.`;
