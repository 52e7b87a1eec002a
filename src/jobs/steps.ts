/**
 * What a processing run can do to an artefact. A first run does every step; reprocessing names the
 * steps to run again (after a model upgrade, or on artefacts that failed). The language steps can
 * be named one by one; LANGUAGE names all of them.
 */
export const LANGUAGE_STEPS = ['OCR_CORRECTION', 'TRANSLATION', 'SUMMARY', 'ENTITIES', 'CAPTION'] as const;
export type LanguageStep = (typeof LANGUAGE_STEPS)[number];

/** Every step, named as a request that asks for all of them is stored. */
export const EVERY_STEP = ['CLASSIFY', 'FACES', 'TEXT', 'LANGUAGE'] as const;

export const PROCESSING_STEPS = [...EVERY_STEP, ...LANGUAGE_STEPS] as const;
export type ProcessingStep = (typeof PROCESSING_STEPS)[number];

/** The steps named, with LANGUAGE spelled out as each language step. */
export const expandSteps = (steps: Iterable<string>): ReadonlySet<ProcessingStep> =>
  new Set(
    [...steps].flatMap((s): ProcessingStep[] =>
      s === 'LANGUAGE' ? [...LANGUAGE_STEPS] : (PROCESSING_STEPS as readonly string[]).includes(s) ? [s as ProcessingStep] : [],
    ),
  );

export const ALL_STEPS: ReadonlySet<ProcessingStep> = expandSteps(PROCESSING_STEPS);

/** The language steps among the steps of a run. */
export const languageSteps = (steps: ReadonlySet<ProcessingStep>): ReadonlySet<LanguageStep> =>
  new Set(LANGUAGE_STEPS.filter((s) => steps.has(s)));

/** The steps stored with a queued request, read back; anything unknown is dropped. */
export const parseSteps = (stored: readonly string[] | null): ReadonlySet<ProcessingStep> | null => (stored === null ? null : expandSteps(stored));
