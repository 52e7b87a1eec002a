import { z } from 'zod';
import { isMetadataField, type Artefact, type FieldVersion, type MetadataField } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { ArtefactFields } from './artefact-fields.js';
import type { ChangeRecorder } from './changes.js';
import { lookUp } from './lookup.js';
import { parseInput, trimmed } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

const editSchema = z.object({
  name: trimmed(1, 200).optional(),
  kind: z.enum(['MM', 'HF']).optional(),
  fields: z
    .array(
      z.object({
        name: z.string().refine(isMetadataField, { error: 'is not a metadata field' }),
        // null clears the field (as a new version, so the old value stays on record).
        value: z.string().max(100_000, { error: 'may have at most 100,000 characters' }).nullable(),
      }),
    )
    .max(50)
    .optional(),
});

/**
 * One artefact at a time, outside the cached catalogue reads: as it is now, its fields' history, and
 * human edits (each changed field becomes a new version; nothing is overwritten).
 */
export class ArtefactService {
  constructor(
    private readonly store: Store,
    private readonly fields: ArtefactFields,
    private readonly changes: ChangeRecorder,
  ) {}

  /** The artefact as it is now, or null (any signed-in user); uncached, for live events. */
  byId(viewer: Viewer | null, id: string): Artefact | null {
    requireViewer(viewer);
    return this.store.artefacts.byId(id) ?? null;
  }

  /** Every version of a field, oldest first (any signed-in user). */
  fieldHistory(viewer: Viewer | null, id: string, field: MetadataField): FieldVersion[] {
    requireViewer(viewer);
    return this.store.artefacts.fieldHistory(id, field);
  }

  /** Applies only what was sent: omitted fields are left as they are. */
  async edit(viewer: Viewer | null, id: string, input: unknown): Promise<Artefact> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const before = lookUp(this.store, 'Artefact', id);
    const data = parseInput(editSchema, input);
    const changedFields = this.store.db.transaction(() => {
      if (data.name !== undefined || data.kind !== undefined) {
        this.store.artefacts.update(id, {
          name: data.name,
          ...(data.kind !== undefined && data.kind !== before.kind ? { kind: data.kind, kindSource: 'EDITOR' as const, kindConfidence: null } : {}),
        });
      }
      // Derived fields (Simplified Chinese, offline entities) follow the edited text as machine versions.
      return this.fields.write(
        id,
        (data.fields ?? []).map((f) => ({ field: f.name as MetadataField, value: f.value, origin: 'HUMAN' as const, authorId: user.id })),
      );
    });
    await this.changes.record(user, 'artefact.edit', { type: 'Artefact', id }, 'UPDATED', ['artefacts', 'fields'], {
      name: data.name !== undefined && data.name !== before.name ? data.name : undefined,
      kind: data.kind,
      fields: changedFields,
    });
    return lookUp(this.store, 'Artefact', id);
  }

  async delete(viewer: Viewer | null, id: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const artefact = lookUp(this.store, 'Artefact', id);
    // Memberships, faces and the batch entry go with it (ON DELETE CASCADE); the image file stays
    // in the content store, where other artefacts may share it.
    this.store.artefacts.delete(id);
    await this.changes.record(user, 'artefact.delete', { type: 'Artefact', id }, 'DELETED', ['artefacts', 'fields', 'categories', 'books', 'figures'], {
      name: artefact.name,
    });
    return id;
  }
}
