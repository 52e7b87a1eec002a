/** The two kinds of artefact: a meeting-minutes page (MM) and an event photo (HF, "human figures"). */
export const ARTEFACT_KINDS = ['MM', 'HF'] as const;
export type ArtefactKind = (typeof ARTEFACT_KINDS)[number];
