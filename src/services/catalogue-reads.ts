import type { Artefact, ArtefactFilter, FieldVersion } from '../store/repositories/artefacts.js';
import type { Book } from '../store/repositories/books.js';
import type { Category, CategoryMembership } from '../store/repositories/categories.js';
import type { Face, Figure } from '../store/repositories/figures.js';
import type { Page, PageArgs } from '../store/pagination.js';
import type { Store } from '../store/store.js';
import type { ReadCache } from '../cache/read-cache.js';

type Ids = readonly string[];

/**
 * The catalogue's read side: every query the GraphQL edge makes for artefacts, collections and
 * figures, each cached and tagged with the tables it reads. Batches and users are read directly:
 * they change with every processing step and sign-in.
 */
export class CatalogueReads {
  readonly artefactPage: (q: { args: PageArgs; filter: ArtefactFilter }) => Promise<Page<Artefact>>;
  readonly artefactCount: (filter: ArtefactFilter) => Promise<number>;
  readonly artefactsByIds: (ids: Ids) => Promise<Artefact[]>;
  readonly fieldsOf: (ids: Ids) => Promise<FieldVersion[]>;
  readonly categoryMembershipsOf: (ids: Ids) => Promise<CategoryMembership[]>;
  readonly bookMembershipsOf: (ids: Ids) => Promise<{ bookId: string; artefactId: string; position: number }[]>;
  readonly figuresIn: (ids: Ids) => Promise<{ artefactId: string; figure: Figure }[]>;
  readonly facesOfArtefacts: (ids: Ids) => Promise<Face[]>;
  readonly facesOfFigures: (ids: Ids) => Promise<Face[]>;
  readonly categoriesByIds: (ids: Ids) => Promise<Category[]>;
  readonly booksByIds: (ids: Ids) => Promise<Book[]>;
  readonly figuresByIds: (ids: Ids) => Promise<Figure[]>;
  readonly categoryPage: (q: { args: PageArgs; search: string | null }) => Promise<{ page: Page<Category>; total: number }>;
  readonly bookPage: (q: { args: PageArgs; search: string | null }) => Promise<{ page: Page<Book>; total: number }>;
  readonly figurePage: (q: { args: PageArgs; named: boolean | null; search: string | null }) => Promise<{ page: Page<Figure>; total: number }>;
  readonly categoryMemberCounts: (ids: Ids) => Promise<Map<string, number>>;
  readonly bookMembers: (q: { bookId: string; args: PageArgs }) => Promise<{ page: Page<string>; total: number }>;

  constructor(store: Store, cache: ReadCache) {
    const { artefacts, categories, books, figures } = store;
    this.artefactPage = cache.define('artefactPage', ['artefacts', 'fields', 'categories', 'books', 'figures', 'batches'], (q) =>
      artefacts.page(q.args, q.filter).page,
    );
    this.artefactCount = cache.define('artefactCount', ['artefacts', 'fields', 'categories', 'books', 'figures', 'batches'], (f) =>
      artefacts.count(f),
    );
    this.artefactsByIds = cache.define('artefactsByIds', ['artefacts'], (ids) => artefacts.byIds(ids));
    this.fieldsOf = cache.define('fieldsOf', ['fields'], (ids) => artefacts.currentFields(ids));
    this.categoryMembershipsOf = cache.define('categoryMembershipsOf', ['categories'], (ids) => categories.membershipsOf(ids));
    this.bookMembershipsOf = cache.define('bookMembershipsOf', ['books'], (ids) => books.membershipsOf(ids));
    this.figuresIn = cache.define('figuresIn', ['figures'], (ids) => figures.figuresIn(ids));
    this.facesOfArtefacts = cache.define('facesOfArtefacts', ['figures'], (ids) => figures.facesOfArtefacts(ids));
    this.facesOfFigures = cache.define('facesOfFigures', ['figures'], (ids) => figures.facesOfFigures(ids));
    this.categoriesByIds = cache.define('categoriesByIds', ['categories'], (ids) => categories.byIds(ids));
    this.booksByIds = cache.define('booksByIds', ['books'], (ids) => books.byIds(ids));
    this.figuresByIds = cache.define('figuresByIds', ['figures'], (ids) => figures.byIds(ids));
    this.categoryPage = cache.define('categoryPage', ['categories'], (q) => {
      const l = categories.page(q.args, { search: q.search });
      return { page: l.page, total: l.count() };
    });
    this.bookPage = cache.define('bookPage', ['books'], (q) => {
      const l = books.page(q.args, { search: q.search });
      return { page: l.page, total: l.count() };
    });
    this.figurePage = cache.define('figurePage', ['figures'], (q) => {
      const l = figures.page(q.args, { named: q.named, search: q.search });
      return { page: l.page, total: l.count() };
    });
    this.categoryMemberCounts = cache.define('categoryMemberCounts', ['categories'], (ids) => categories.memberCounts(ids));
    this.bookMembers = cache.define('bookMembers', ['books'], (q) => {
      const l = books.members(q.bookId, q.args);
      return { page: l.page, total: l.count() };
    });
  }
}
