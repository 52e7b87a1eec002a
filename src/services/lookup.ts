import { notFound } from '../errors.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Batch } from '../store/repositories/batches.js';
import type { Book } from '../store/repositories/books.js';
import type { Category } from '../store/repositories/categories.js';
import type { FigureChange } from '../store/repositories/figure-changes.js';
import type { Face, Figure } from '../store/repositories/figures.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';

/** What a service can look up by id, by the name a missing one is reported under. */
interface Found {
  Artefact: Artefact;
  Batch: Batch;
  Book: Book;
  Category: Category;
  Face: Face;
  Figure: Figure;
  FigureChange: FigureChange;
  User: User;
}

const READ: { [K in keyof Found]: (store: Store, id: string) => Found[K] | undefined } = {
  Artefact: (store, id) => store.artefacts.byId(id),
  Batch: (store, id) => store.batches.byIds([id])[0],
  Book: (store, id) => store.books.byIds([id])[0],
  Category: (store, id) => store.categories.byIds([id])[0],
  Face: (store, id) => store.figures.facesByIds([id])[0],
  Figure: (store, id) => store.figures.byIds([id])[0],
  FigureChange: (store, id) => store.figureChanges.byIds([id])[0],
  User: (store, id) => store.users.byId(id),
};

/** The object of that type and id, read afresh, or NOT_FOUND: what every service does before acting on an id. */
export function lookUp<K extends keyof Found>(store: Store, type: K, id: string): Found[K] {
  const found = READ[type](store, id);
  if (found === undefined) throw notFound(type, id);
  return found;
}
