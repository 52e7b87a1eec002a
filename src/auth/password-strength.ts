import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

// zxcvbn's scale: 3 is "safely unguessable: moderate protection from an offline slow-hash scenario".
const MIN_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/**
 * Why a password is too easy to guess (common and breached-style passwords, keyboard walks, dates,
 * repeats, the user's own names), or null: zxcvbn with its common and English dictionaries, built on
 * first use.
 */
export function weakPassword(password: string, userInputs: readonly string[]): string | null {
  estimator ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  });
  const result = estimator.check(password, [...userInputs]);
  if (result.score >= MIN_SCORE) return null;
  const hint = result.feedback.warning ?? result.feedback.suggestions[0] ?? 'Add more words or characters that do not follow a pattern.';
  return `This password is too easy to guess. ${hint}`;
}
