import { AppError } from '../../errors.js';
import type { CallOptions, LlmOutcome } from '../llm-interface.js';

/** What every stage takes besides its inputs: the run's tracer and its cancellation signal. */
export type StageOptions = Pick<CallOptions, 'tracer' | 'signal'>;

/** Applies `f` to an answered value; a skipped outcome passes through unchanged. */
export function mapAnswer<T, U>(outcome: LlmOutcome<T>, f: (value: T) => U): LlmOutcome<U> {
  return outcome.status === 'skipped' ? outcome : { ...outcome, value: f(outcome.value) };
}

/**
 * A free-text reply as the stages store it: without a Markdown fence around it and without outer
 * whitespace. An empty reply is an invalid answer, never a silently empty field.
 */
export function replyText(text: string): string {
  const cleaned = text
    .trim()
    .replace(/^```[a-z]*\n([\s\S]*?)\n?```$/i, '$1')
    .trim();
  if (cleaned === '') throw new AppError('LLM_INVALID_ANSWER', 'the model answered with an empty reply');
  return cleaned;
}
