import type { CallOptions, LlmOutcome } from '../llm-interface.js';
import type { AnswerCheck } from '../json-answer.js';

/** What every stage takes besides its inputs: the run's tracer and its cancellation signal. */
export type StageOptions = Pick<CallOptions, 'tracer' | 'signal'>;

/** Applies `f` to an answered value; a skipped outcome passes through unchanged. */
export function mapAnswer<T, U>(outcome: LlmOutcome<T>, f: (value: T) => U): LlmOutcome<U> {
  return outcome.status === 'skipped' ? outcome : { ...outcome, value: f(outcome.value) };
}

// A reply that opens like this is a refusal or an apology, not the text asked for.
const REFUSAL =
  /^(?:i['’]?m sorry|i am sorry|sorry(?=[\s,.!])|i apologi[sz]e|unfortunately,? (?:i|as an ai)\b|i can(?:not|['’]t)\b|i['’]?m (?:not able|unable)|i am (?:not able|unable)|as an ai\b|(?:很)?抱歉|對不起|对不起|我(?:無法|无法|不能))/i;
// A short first line that only announces the answer ("Sure! Here is the translation:").
const LEADING_CHATTER =
  /^(?:(?:sure|certainly|of course|okay|ok|absolutely)\b[^\n]{0,80}|(?:here(?:['’]s| is| are)|below is|the (?:corrected|translated|improved)[^\n]{0,40}? (?:is|are|reads))[^\n]{0,80}:|以下是[^\n]{0,40}[:：])\s*\n+/i;
// A last line that only offers more help.
const TRAILING_CHATTER = /\n+\s*(?:(?:let me know|i hope|feel free|please note|note:)[^\n]*|如有[^\n]*)$/i;
const FENCED = /```[A-Za-z]*\n?([\s\S]*?)\n?```/;

/**
 * A free-text reply as the stages store it: chatter before and after it and a Markdown fence
 * around it removed, outer whitespace trimmed.
 */
function replyText(text: string): string {
  let cleaned = text.trim();
  for (let previous = ''; previous !== cleaned; ) {
    previous = cleaned;
    cleaned = cleaned.replace(LEADING_CHATTER, '').replace(TRAILING_CHATTER, '').trim();
    const fenced = FENCED.exec(cleaned);
    if (fenced?.[1] !== undefined) cleaned = fenced[1].trim();
  }
  return cleaned;
}

export interface Script {
  /** Han characters. */
  han: number;
  /** Latin letters. */
  latin: number;
}

export function scriptOf(text: string): Script {
  return { han: (text.match(/\p{Script=Han}/gu) ?? []).length, latin: (text.match(/[A-Za-z]/g) ?? []).length };
}

/** What a free-text answer must look like for one task; each returns the problem, or null. */
export type Plausibility = (answer: string, script: Script) => string | null;

/**
 * A check for a free-text answer: cleaned of chatter and fences, then refused when it is empty, a
 * refusal, or fails a plausibility rule of the task. The problem goes back to the model.
 */
export function textAnswer(...rules: readonly Plausibility[]): AnswerCheck<string> {
  return (text) => {
    const answer = replyText(text);
    if (answer === '') return { ok: false, problem: 'the reply was empty' };
    if (REFUSAL.test(answer)) return { ok: false, problem: 'the reply is a refusal or an apology, not the text asked for' };
    const script = scriptOf(answer);
    for (const rule of rules) {
      const problem = rule(answer, script);
      if (problem !== null) return { ok: false, problem };
    }
    return { ok: true, value: answer };
  };
}

/** Rules shared by the tasks. */
export const rules = {
  /** Mostly Chinese characters, e.g. a corrected transcription. */
  chinese: (): Plausibility => (_a, s) => (s.han < 0.8 * (s.han + s.latin) || s.han === 0 ? 'it must be Traditional Chinese text, not an explanation in another language' : null),
  /** English, with at most a stray Chinese name or two. */
  english: (): Plausibility => (_a, s) => (s.latin < 10 || s.han > 0.1 * (s.han + s.latin) ? 'it must be in English' : null),
  /** Chinese characters within a factor of the source's (a correction neither drops nor invents much). */
  hanLike: (source: string, low: number, high: number): Plausibility => {
    const expected = scriptOf(source).han;
    return (_a, s) => (s.han < low * expected || s.han > high * expected ? `it has ${s.han} Chinese characters where the text has ${expected}; keep every column and add nothing` : null);
  },
  /** At most this many characters. */
  atMost: (max: number, what: string): Plausibility => (a) => (a.length > max ? `it is too long (${a.length} characters); ${what}` : null),
  /** At least this many characters. */
  atLeast: (min: number, what: string): Plausibility => (a) => (a.length < min ? `it is too short (${a.length} characters); ${what}` : null),
};
