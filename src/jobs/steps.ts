/**
 * What a processing run can do to an artefact. A first run does every step; reprocessing names the
 * steps to run again (after a model upgrade, or on artefacts that failed).
 */
export const PROCESSING_STEPS = ['CLASSIFY', 'FACES', 'TEXT', 'LANGUAGE'] as const;
export type ProcessingStep = (typeof PROCESSING_STEPS)[number];

export const ALL_STEPS: ReadonlySet<ProcessingStep> = new Set(PROCESSING_STEPS);

/** The steps stored with a queued request, read back; anything unknown is dropped. */
export const parseSteps = (stored: readonly string[] | null): ReadonlySet<ProcessingStep> | null =>
  stored === null ? null : new Set(stored.filter((s): s is ProcessingStep => (PROCESSING_STEPS as readonly string[]).includes(s)));
