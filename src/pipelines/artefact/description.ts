/** What the event-photo pipeline found, for a description written without a language model. */
export interface PhotoFindings {
  /** Faces detected. */
  people: number;
  /** Labels of the named figures recognised automatically, in the photo's order. */
  knownNames: readonly string[];
  /** Text read in the photo (banners, signs); empty when none. */
  bannerText: string;
}

/** The step name stored with the field: it marks the text as generated from findings, not written. */
export const FACTUAL_DESCRIPTION_STEP = 'description.factual';

const MAX_BANNER_CHARS = 200;

/**
 * A plain factual description from the findings alone (used when no language model is configured):
 * it states only what was found and says that it was generated.
 */
export const factualDescription = (findings: PhotoFindings): string => {
  const parts: string[] = [];
  const people = findings.people === 0 ? 'no detected faces' : `${findings.people} ${findings.people === 1 ? 'person' : 'people'} (faces detected)`;
  parts.push(`Event photograph with ${people}.`);
  const names = [...new Set(findings.knownNames)];
  if (names.length > 0) parts.push(`Recognised: ${names.join(', ')}.`);
  const banner = findings.bannerText.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).join(' / ');
  if (banner.length > 0) {
    const shown = [...banner].length > MAX_BANNER_CHARS ? `${[...banner].slice(0, MAX_BANNER_CHARS).join('')}…` : banner;
    parts.push(`Text visible in the photo (machine-read): "${shown}".`);
  }
  parts.push('(Generated automatically from the detected faces and text; not written by a person.)');
  return parts.join(' ');
};
