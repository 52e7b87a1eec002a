import type { Entity } from '../../llm/stages/entities.js';
import { offlineEntities } from './offline-entities.js';

export interface StoredEntity extends Entity {
  /** Where it was found: the English translation or the Chinese text, by a model or offline. */
  source: 'llm-en' | 'llm-zh' | 'offline-en';
}

/** One entry per (label, text), case-insensitively; the first source that found it is kept. */
export function mergeEntities(entities: readonly StoredEntity[]): StoredEntity[] {
  const seen = new Map<string, StoredEntity>();
  for (const e of entities) {
    const key = `${e.label}:${e.text.toLowerCase()}`;
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()];
}

/** The entities found offline in an English text, tagged with their source. */
export const offlineEnglishEntities = (english: string): StoredEntity[] => offlineEntities(english).map((e) => ({ ...e, source: 'offline-en' as const }));

/** Parses a stored entities field; a value that is not a list of entities reads as none. */
export function parseStoredEntities(json: string | null | undefined): StoredEntity[] {
  if (!json) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as StoredEntity[]) : [];
  } catch {
    return [];
  }
}
