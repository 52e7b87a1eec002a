import { simplifiedText } from '../ocr/chinese-script.js';
import { mergeEntities, offlineEnglishEntities, parseStoredEntities } from '../pipelines/language/entities.js';
import type { FieldVersion, FieldWrite, MetadataField } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';

/** A field computed from another one without a model call, and how. */
interface Derivation {
  from: MetadataField;
  to: MetadataField;
  step: string;
  model: string;
  derive(source: string | null, current: ReadonlyMap<MetadataField, FieldVersion>): string | null;
}

const DERIVATIONS: readonly Derivation[] = [
  { from: 'transcription', to: 'simplified', step: 'derive.simplified', model: 'opencc', derive: (text) => (text === null ? null : simplifiedText(text)) },
  {
    // The model's entities stay (they name their source); the offline ones follow the English text.
    from: 'translation',
    to: 'entities',
    step: 'derive.entities',
    model: 'compromise',
    derive: (english, current) => {
      const kept = parseStoredEntities(current.get('entities')?.value).filter((e) => e.source !== 'offline-en');
      const merged = mergeEntities([...kept, ...(english === null ? [] : offlineEnglishEntities(english))]);
      return merged.length === 0 ? null : JSON.stringify(merged);
    },
  },
];

/**
 * The one way an artefact's fields are written, by people and by machines. Every write is a new
 * version (the repository keeps a person's current value against any machine write), and a field
 * derived from a text follows it: when the transcription or translation becomes a new current
 * value, Simplified Chinese or the offline entities are derived again as machine versions, unless
 * the same write sets them itself.
 */
export class ArtefactFields {
  constructor(private readonly store: Store) {}

  current(artefactId: string): Map<MetadataField, FieldVersion> {
    return new Map(this.store.artefacts.currentFields([artefactId]).map((f) => [f.field, f]));
  }

  /** Writes the versions and what follows from them; returns the fields whose current value changed. */
  write(artefactId: string, writes: readonly FieldWrite[]): MetadataField[] {
    return this.store.db.transaction(() => {
      const changed = this.store.artefacts.writeFields(artefactId, writes);
      const given = new Set(writes.map((w) => w.field));
      const follow = DERIVATIONS.filter((d) => changed.includes(d.from) && !given.has(d.to));
      if (follow.length === 0) return changed;
      const current = this.current(artefactId);
      const derived = follow
        .map((d): FieldWrite => ({ field: d.to, value: d.derive(current.get(d.from)?.value ?? null, current), origin: 'MACHINE', step: d.step, model: d.model }))
        .filter((w) => w.value !== null || current.has(w.field));
      return [...changed, ...this.store.artefacts.writeFields(artefactId, derived)];
    });
  }
}
