import nlp from 'compromise';
import dates from 'compromise-dates';
import type { Entity } from '../../llm/stages/entities.js';

// compromise's plugin typing is looser than its runtime: the dates plugin adds `.dates()`.
const withDates = nlp.extend(dates) as unknown as (text: string) => {
  people(): { out(format: 'array'): string[] };
  organizations(): { out(format: 'array'): string[] };
  places(): { out(format: 'array'): string[] };
  dates(): { out(format: 'array'): string[] };
};

const clean = (s: string): string => s.trim().replace(/[.,;:]+$/, '');

/**
 * Named entities of an English text found offline with compromise (rule-based, modest recall):
 * people, organisations, places and dates, each as written in the text.
 */
export function offlineEntities(english: string): Entity[] {
  const doc = withDates(english);
  const found: Entity[] = [
    ...doc.people().out('array').map((text) => ({ text: clean(text), label: 'PERSON' as const })),
    ...doc.organizations().out('array').map((text) => ({ text: clean(text), label: 'ORGANIZATION' as const })),
    ...doc.places().out('array').map((text) => ({ text: clean(text), label: 'LOCATION' as const })),
    ...doc.dates().out('array').map((text) => ({ text: clean(text), label: 'DATE' as const })),
  ];
  return found.filter((e) => e.text.length > 0);
}
