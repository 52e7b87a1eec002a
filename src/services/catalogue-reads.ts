import type { Artefact, ArtefactFilter, ArtefactOrder, FieldVersion, MetadataField } from '../store/repositories/artefacts.js';
import type { Book, BookMembership } from '../store/repositories/books.js';
import type { Category, CategoryMembership } from '../store/repositories/categories.js';
import type { Face, Figure } from '../store/repositories/figures.js';
import type { ListOrder, Page, PageArgs } from '../store/pagination.js';
import type { Store } from '../store/store.js';
import type { CacheTable, ReadCache } from '../cache/read-cache.js';
import type { ResponseCache, ResponseTicket } from '../cache/response-cache.js';
import { TOPICS } from '../events.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

type Ids = readonly string[];

/** A read any signed-in user may make. */
type Read<A, R> = (viewer: Viewer | null, arg: A) => Promise<R>;

/**
 * The catalogue's read side: every query the GraphQL edge makes for artefacts, collections,
 * figures and faces, each cached and tagged with the tables it reads, and each for any signed-in
 * user. Batches and users are read by their services, uncached: they change with every processing
 * step and sign-in.
 */
export class CatalogueReads {
  readonly artefactPage: Read<{ args: PageArgs; filter: ArtefactFilter; order?: ArtefactOrder }, Page<Artefact>>;
  readonly artefactCount: Read<ArtefactFilter, number>;
  readonly artefactsByIds: Read<Ids, Artefact[]>;
  readonly fieldsOf: Read<Ids, FieldVersion[]>;
  readonly namedFieldsOf: Read<{ ids: Ids; fields: readonly MetadataField[] }, FieldVersion[]>;
  readonly categoryMembershipsOf: Read<Ids, (CategoryMembership & { category: Category })[]>;
  readonly bookMembershipsOf: Read<Ids, BookMembership[]>;
  readonly figuresIn: Read<Ids, { artefactId: string; figure: Figure }[]>;
  readonly facesByIds: Read<Ids, Face[]>;
  readonly facesOfArtefacts: Read<Ids, Face[]>;
  readonly facesOfFigures: Read<Ids, Face[]>;
  readonly categoriesByIds: Read<Ids, Category[]>;
  readonly booksByIds: Read<Ids, Book[]>;
  readonly figuresByIds: Read<Ids, Figure[]>;
  readonly categoryPage: Read<{ args: PageArgs; search: string | null; order: ListOrder }, { page: Page<Category>; total: number }>;
  readonly bookPage: Read<{ args: PageArgs; search: string | null; order: ListOrder }, { page: Page<Book>; total: number }>;
  readonly figurePage: Read<{ args: PageArgs; named: boolean | null; search: string | null; order: ListOrder }, { page: Page<Figure>; total: number }>;
  readonly categoryMemberCounts: Read<Ids, Map<string, number>>;
  readonly bookMembers: Read<{ bookId: string; args: PageArgs }, { page: Page<string>; total: number }>;

  private readonly responses: ResponseCache | undefined;

  constructor(store: Store, cache: ReadCache) {
    this.responses = cache.responses;
    const { artefacts, categories, books, figures } = store;
    // The check stays outside the cache: every viewer shares a cached result.
    const define = <A, R>(name: string, tables: readonly CacheTable[], read: (arg: A) => R): Read<A, R> => {
      const cached = cache.define(name, tables, read);
      return async (viewer, arg) => {
        requireViewer(viewer);
        return cached(arg);
      };
    };
    this.artefactPage = define('artefactPage', ['artefacts', 'fields', 'categories', 'books', 'figures', 'batches'], (q) =>
      artefacts.page(q.args, q.filter, q.order).page,
    );
    this.artefactCount = define('artefactCount', ['artefacts', 'fields', 'categories', 'books', 'figures', 'batches'], (f) =>
      artefacts.count(f),
    );
    this.artefactsByIds = define('artefactsByIds', ['artefacts'], (ids) => artefacts.byIds(ids));
    this.fieldsOf = define('fieldsOf', ['fields'], (ids) => artefacts.currentFields(ids));
    this.namedFieldsOf = define('namedFieldsOf', ['fields'], (q) => artefacts.currentFields(q.ids, q.fields));
    this.categoryMembershipsOf = define('categoryMembershipsOf', ['categories'], (ids) => categories.membershipsOf(ids));
    this.bookMembershipsOf = define('bookMembershipsOf', ['books'], (ids) => books.membershipsOf(ids));
    this.figuresIn = define('figuresIn', ['figures'], (ids) => figures.figuresIn(ids));
    this.facesByIds = define('facesByIds', ['figures'], (ids) => figures.facesByIds(ids));
    this.facesOfArtefacts = define('facesOfArtefacts', ['figures'], (ids) => figures.facesOfArtefacts(ids));
    this.facesOfFigures = define('facesOfFigures', ['figures'], (ids) => figures.facesOfFigures(ids));
    this.categoriesByIds = define('categoriesByIds', ['categories'], (ids) => categories.byIds(ids));
    this.booksByIds = define('booksByIds', ['books'], (ids) => books.byIds(ids));
    this.figuresByIds = define('figuresByIds', ['figures'], (ids) => figures.byIds(ids));
    this.categoryPage = define('categoryPage', ['categories'], (q) => {
      const l = categories.page(q.args, { search: q.search }, q.order);
      return { page: l.page, total: l.count() };
    });
    this.bookPage = define('bookPage', ['books'], (q) => {
      const l = books.page(q.args, { search: q.search }, q.order);
      return { page: l.page, total: l.count() };
    });
    this.figurePage = define('figurePage', ['figures'], (q) => {
      const l = figures.page(q.args, { named: q.named, search: q.search }, q.order);
      return { page: l.page, total: l.count() };
    });
    this.categoryMemberCounts = define('categoryMemberCounts', ['categories'], (ids) => categories.memberCounts(ids));
    this.bookMembers = define('bookMembers', ['books'], (q) => {
      const l = books.members(q.bookId, q.args);
      return { page: l.page, total: l.count() };
    });
  }

  /** Whether whole responses are cached (CACHE_ENABLED). */
  get cachesResponses(): boolean {
    return this.responses !== undefined;
  }

  /**
   * A whole response stored for the same request (`key`: query, variables, operation) from a
   * viewer of the same role. Undefined when the viewer may not read, so that the request takes
   * the ordinary path and gets its error there.
   */
  cachedResponse(viewer: Viewer | null, key: string): Buffer | undefined {
    const role = readerRole(viewer);
    return role === null ? undefined : this.responses?.get(`${role}\n${key}`);
  }

  /** A ticket to store the response about to be computed, or null when it may not be cached. */
  responseTicket(viewer: Viewer | null, key: string): ResponseTicket | null {
    const role = readerRole(viewer);
    return role === null || this.responses === undefined ? null : this.responses.ticket(`${role}\n${key}`);
  }

  /** Stores a response made only of catalogue reads of `tables` (the edge decides which are). */
  storeResponse(ticket: ResponseTicket, body: string, tables: readonly CacheTable[]): void {
    this.responses?.set(ticket, body, tables);
  }

  /** The topic of catalogueChanged: every create, update and delete, for any signed-in user. */
  changeTopic(viewer: Viewer | null): string {
    requireViewer(viewer);
    return TOPICS.catalogueChanged;
  }
}

/** The role a catalogue reader reads as, or null for someone who may not read at all. */
function readerRole(viewer: Viewer | null): string | null {
  try {
    return requireViewer(viewer).user.role;
  } catch {
    return null;
  }
}
