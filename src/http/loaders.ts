import DataLoader from 'dataloader';
import type { Viewer } from '../auth/viewer.js';
import type { Services } from '../app.js';
import type { Artefact, FieldVersion, MetadataField } from '../store/repositories/artefacts.js';
import type { Batch, BatchArtefact } from '../store/repositories/batches.js';
import type { Book, BookMembership } from '../store/repositories/books.js';
import type { Category, CategoryMembership } from '../store/repositories/categories.js';
import type { FigureChange } from '../store/repositories/figure-changes.js';
import type { Face, Figure } from '../store/repositories/figures.js';
import type { Trace } from '../store/repositories/traces.js';
import type { User } from '../store/repositories/users.js';

/** One value per key, in key order (DataLoader's contract), from rows that carry their key. */
function byKey<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): (T | null)[] {
  const map = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => map.get(k) ?? null);
}

/** Every row belonging to each key, in key order. */
function groupByKey<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const map = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) map.get(keyOf(r))?.push(r);
  return keys.map((k) => map.get(k) ?? []);
}

/** An artefact's field, as a loader key. */
interface FieldKey {
  artefactId: string;
  field: MetadataField;
}
const fieldKey = (k: FieldKey): string => `${k.artefactId}\n${k.field}`;

/**
 * Per-request batch loaders: however many artefacts a page holds, each relation costs one query.
 * A page of artefacts with categories, books, batch, figures and fields is 1 + 5 statements (+1 for
 * totalCount): categories and books come with their memberships.
 * They read through the services as the request's viewer, so each read is authorised there.
 */
export function createLoaders(services: Pick<Services, 'reads' | 'batches' | 'users' | 'traces' | 'figures'>, viewer: Viewer | null) {
  const { reads, batches, users, traces, figures } = services;
  const category = new DataLoader<string, Category | null>(async (ids) => byKey(ids, await reads.categoriesByIds(viewer, ids), (c) => c.id));
  const book = new DataLoader<string, Book | null>(async (ids) => byKey(ids, await reads.booksByIds(viewer, ids), (b) => b.id));
  return {
    artefact: new DataLoader<string, Artefact | null>(async (ids) => byKey(ids, await reads.artefactsByIds(viewer, ids), (a) => a.id)),
    fields: new DataLoader<string, FieldVersion[]>(async (ids) => groupByKey(ids, await reads.fieldsOf(viewer, ids), (f) => f.artefactId)),
    // One named field of each artefact: a page asks for a few, and reads none of the others (an
    // OCR layout can be tens of kilobytes).
    field: new DataLoader<FieldKey, FieldVersion | null, string>(
      async (keys) => {
        const rows = await reads.namedFieldsOf(viewer, { ids: [...new Set(keys.map((k) => k.artefactId))], fields: [...new Set(keys.map((k) => k.field))] });
        return byKey(keys.map(fieldKey), rows, (f) => fieldKey({ artefactId: f.artefactId, field: f.field }));
      },
      { cacheKeyFn: fieldKey },
    ),
    // Memberships come with their categories and books: primed, so that those are not read again.
    categoryMemberships: new DataLoader<string, CategoryMembership[]>(async (ids) => {
      const memberships = await reads.categoryMembershipsOf(viewer, ids);
      for (const m of memberships) category.prime(m.categoryId, m.category);
      return groupByKey(ids, memberships, (m) => m.artefactId);
    }),
    bookMemberships: new DataLoader<string, BookMembership[]>(async (ids) => {
      const memberships = await reads.bookMembershipsOf(viewer, ids);
      for (const m of memberships) book.prime(m.bookId, m.book);
      return groupByKey(ids, memberships, (m) => m.artefactId);
    }),
    figuresIn: new DataLoader<string, Figure[]>(async (ids) =>
      groupByKey(ids, await reads.figuresIn(viewer, ids), (r) => r.artefactId).map((rows) => rows.map((r) => r.figure)),
    ),
    facesOfArtefact: new DataLoader<string, Face[]>(async (ids) =>
      groupByKey(ids, await reads.facesOfArtefacts(viewer, ids), (f) => f.artefactId ?? ''),
    ),
    face: new DataLoader<string, Face | null>(async (ids) => byKey(ids, await reads.facesByIds(viewer, ids), (f) => f.id)),
    facesOfFigure: new DataLoader<string, Face[]>(async (ids) => groupByKey(ids, await reads.facesOfFigures(viewer, ids), (f) => f.figureId ?? '')),
    category,
    book,
    figure: new DataLoader<string, Figure | null>(async (ids) => byKey(ids, await reads.figuresByIds(viewer, ids), (f) => f.id)),
    categoryMemberCount: new DataLoader<string, number>(async (ids) => {
      const counts = await reads.categoryMemberCounts(viewer, ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    batchEntry: new DataLoader<string, BatchArtefact | null>(async (ids) =>
      byKey(ids, batches.entriesOf(viewer, ids), (e) => e.artefactId),
    ),
    batch: new DataLoader<string, Batch | null>(async (ids) => byKey(ids, batches.byIds(viewer, ids), (b) => b.id)),
    user: new DataLoader<string, User | null>(async (ids) => byKey(ids, users.byIds(viewer, ids), (u) => u.id)),
    trace: new DataLoader<string, Trace | null>(async (ids) => byKey(ids, traces.byIds(viewer, ids), (t) => t.id)),
    figureChange: new DataLoader<string, FigureChange | null>(async (ids) => byKey(ids, figures.changesByIds(viewer, ids), (c) => c.id)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
