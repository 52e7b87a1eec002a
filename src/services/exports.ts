import { requireViewer, type Viewer } from '../auth/viewer.js';
import type { Artefact, ArtefactFilter, MetadataField } from '../store/repositories/artefacts.js';
import type { Book } from '../store/repositories/books.js';
import type { Category } from '../store/repositories/categories.js';
import type { Face } from '../store/repositories/figures.js';
import { HarvestRepository, type HarvestItem, type HarvestQuery } from '../store/repositories/harvest.js';
import { MAX_PAGE_SIZE, type Page, type PageArgs } from '../store/pagination.js';
import type { Store } from '../store/store.js';
import type { ExportUrls } from '../export/urls.js';
import { lookUp } from './lookup.js';

/** The exports, by who may read them: IIIF and OAI-PMH may be made public (PUBLIC_EXPORTS); the others never are. */
export type ExportFormat = 'IIIF' | 'OAI_PMH' | 'OCR_LAYOUT' | 'CSV';
const MAY_BE_PUBLIC: ReadonlySet<ExportFormat> = new Set(['IIIF', 'OAI_PMH']);

/** An artefact with everything an export says about it: current fields, collections, named faces. */
export interface ArtefactRecord {
  artefact: Artefact;
  /** Current values that are not empty. */
  fields: ReadonlyMap<MetadataField, string>;
  categories: Category[];
  /** With the artefact's 1-based position in each book. */
  books: { book: Book; position: number }[];
  /** Faces with the name of their figure (null while unnamed). */
  faces: { face: Face; figureLabel: string | null }[];
}

/** Every item of a keyset listing, page after page. */
function* everyPage<T>(read: (args: PageArgs) => Page<T>): Generator<T[]> {
  let after: string | null = null;
  for (;;) {
    const page = read({ first: MAX_PAGE_SIZE, after });
    if (page.items.length > 0) yield page.items;
    if (!page.hasNextPage) return;
    after = page.cursors.at(-1) ?? null;
  }
}

/**
 * The read side of the exports (IIIF, OCR layouts, OAI-PMH, CSV): the same reads as the catalogue's,
 * for any signed-in user, except that IIIF and OAI-PMH answer everyone when PUBLIC_EXPORTS is on.
 */
export class ExportService {
  private readonly harvests: HarvestRepository;

  constructor(
    private readonly store: Store,
    private readonly publicExports: boolean,
    /** Where each export is, for the GraphQL fields that name them. */
    readonly urls: ExportUrls,
  ) {
    this.harvests = new HarvestRepository(store.db);
  }

  /** Where the catalogue-wide exports are (any signed-in user). */
  locations(viewer: Viewer | null): { oaiPmh: string; catalogueCsv: string; public: boolean } {
    requireViewer(viewer);
    return { oaiPmh: this.urls.oai(), catalogueCsv: this.urls.catalogueCsv(), public: this.publicExports };
  }

  /** UNAUTHENTICATED (or the viewer's own refusal) unless this format may be read by this viewer. */
  allow(viewer: Viewer | null, format: ExportFormat): void {
    if (this.publicExports && MAY_BE_PUBLIC.has(format)) return;
    requireViewer(viewer);
  }

  /** Whether anyone may read the format without a session (caches and CORS follow it). */
  isPublic(format: ExportFormat): boolean {
    return this.publicExports && MAY_BE_PUBLIC.has(format);
  }

  artefact(viewer: Viewer | null, format: ExportFormat, artefactId: string): ArtefactRecord {
    this.allow(viewer, format);
    lookUp(this.store, 'Artefact', artefactId);
    return this.records([artefactId])[0] as ArtefactRecord;
  }

  /** A book with its pages in book order. */
  book(viewer: Viewer | null, format: ExportFormat, bookId: string): { book: Book; pages: ArtefactRecord[] } {
    this.allow(viewer, format);
    const book = lookUp(this.store, 'Book', bookId);
    const ids = [...everyPage((args) => this.store.books.members(bookId, args).page)].flat();
    return { book, pages: this.records(ids) };
  }

  /** A category with its members in catalogue order. */
  category(viewer: Viewer | null, format: ExportFormat, categoryId: string): { category: Category; members: Artefact[] } {
    this.allow(viewer, format);
    const category = lookUp(this.store, 'Category', categoryId);
    const members = [...everyPage((args) => this.store.artefacts.page(args, { categoryId }).page)].flat();
    return { category, members };
  }

  /** The stored image of an artefact: where its bytes are. */
  image(viewer: Viewer | null, artefactId: string): { artefact: Artefact; path: string } {
    this.allow(viewer, 'IIIF');
    const artefact = lookUp(this.store, 'Artefact', artefactId);
    return { artefact, path: this.store.files.pathOf(artefact.fileSha256) };
  }

  /** A rendering of an artefact's image (read through `image` first), made once by `render` and kept beside the image. */
  rendition(artefact: Artefact, name: string, render: () => Promise<Buffer>): Promise<string> {
    return this.store.files.derivative(artefact.fileSha256, name, render);
  }

  /**
   * The artefacts a filter selects, in catalogue order, a page of records at a time (for streaming).
   * Checked at once; the pages are read as they are consumed.
   */
  catalogue(viewer: Viewer | null, filter: ArtefactFilter): Iterable<ArtefactRecord[]> {
    this.allow(viewer, 'CSV');
    return this.recordPages(filter);
  }

  private *recordPages(filter: ArtefactFilter): Generator<ArtefactRecord[]> {
    for (const page of everyPage((args) => this.store.artefacts.page(args, filter).page)) yield this.records(page.map((a) => a.id));
  }

  /** Every category and book, for OAI-PMH sets. */
  collections(viewer: Viewer | null): { categories: Category[]; books: Book[] } {
    this.allow(viewer, 'OAI_PMH');
    return {
      categories: [...everyPage((args) => this.store.categories.page(args, {}).page)].flat(),
      books: [...everyPage((args) => this.store.books.page(args, {}).page)].flat(),
    };
  }

  /** Artefacts and deletions changed within the query's range, with the records of the live ones. */
  harvest(viewer: Viewer | null, query: HarvestQuery): { items: HarvestItem[]; records: Map<string, ArtefactRecord>; total: number } {
    this.allow(viewer, 'OAI_PMH');
    const items = this.harvests.list(query);
    const live = items.filter((i) => !i.deleted).map((i) => i.artefactId);
    return { items, records: new Map(this.records(live).map((r) => [r.artefact.id, r])), total: this.harvests.count(query) };
  }

  /** One artefact for OAI-PMH: its record, when it was deleted, or undefined when it never existed. */
  harvested(viewer: Viewer | null, artefactId: string): ArtefactRecord | { deletedAt: string } | undefined {
    this.allow(viewer, 'OAI_PMH');
    if (this.store.artefacts.byId(artefactId) !== undefined) return this.records([artefactId])[0];
    const deletedAt = this.harvests.deletedAt(artefactId);
    return deletedAt === undefined ? undefined : { deletedAt };
  }

  /** The oldest datestamp, for OAI-PMH's Identify. */
  earliestChange(viewer: Viewer | null): string | undefined {
    this.allow(viewer, 'OAI_PMH');
    return this.harvests.earliest();
  }

  /** The records of many artefacts at once, in the order of the ids (a statement per table, not per artefact). */
  private records(ids: readonly string[]): ArtefactRecord[] {
    const { artefacts, categories, books, figures } = this.store;
    const byId = new Map(artefacts.byIds(ids).map((a) => [a.id, a]));
    const fields = artefacts.currentFields(ids);
    const categoryMemberships = categories.membershipsOf(ids);
    const categoryById = new Map(categories.byIds([...new Set(categoryMemberships.map((m) => m.categoryId))]).map((c) => [c.id, c]));
    const bookMemberships = books.membershipsOf(ids);
    const bookById = new Map(books.byIds([...new Set(bookMemberships.map((m) => m.bookId))]).map((b) => [b.id, b]));
    const faces = figures.facesOfArtefacts(ids);
    const figureIds = [...new Set(faces.flatMap((f) => (f.figureId === null ? [] : [f.figureId])))];
    const labelOf = new Map(figures.byIds(figureIds).map((f) => [f.id, f.label]));
    return ids.flatMap((id) => {
      const artefact = byId.get(id);
      if (artefact === undefined) return [];
      return [
        {
          artefact,
          fields: new Map(fields.filter((f) => f.artefactId === id && f.value !== null && f.value !== '').map((f) => [f.field, f.value as string])),
          categories: categoryMemberships.filter((m) => m.artefactId === id).flatMap((m) => categoryById.get(m.categoryId) ?? []),
          books: bookMemberships.filter((m) => m.artefactId === id).flatMap((m) => {
            const book = bookById.get(m.bookId);
            return book === undefined ? [] : [{ book, position: m.position }];
          }),
          faces: faces.filter((f) => f.artefactId === id).map((face) => ({ face, figureLabel: face.figureId === null ? null : (labelOf.get(face.figureId) ?? null) })),
        },
      ];
    });
  }
}
