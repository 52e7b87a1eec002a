import { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import type { Book } from '../store/repositories/books.js';
import type { Category } from '../store/repositories/categories.js';
import type { Store } from '../store/store.js';
import type { ChangeRecorder } from './changes.js';
import { lookUp } from './lookup.js';
import { parseInput, trimmed, uniquely } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

const categorySchema = z.object({ name: trimmed(1, 120), description: trimmed(0, 2000).nullable().optional() });
const categoryEditSchema = categorySchema.partial();
const bookSchema = z.object({ title: trimmed(1, 200), subtitle: trimmed(0, 500).nullable().optional() });
const bookEditSchema = bookSchema.partial();

const CATEGORY_TAKEN = 'A category with that name already exists';

/** Categories (event photos, placed with a reason) and books (minutes pages, in order). */
export class CollectionService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRecorder,
  ) {}

  async createCategory(viewer: Viewer | null, input: unknown): Promise<Category> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const data = parseInput(categorySchema, input);
    const c = uniquely(CATEGORY_TAKEN, () => this.store.categories.create({ name: data.name, description: data.description ?? null }));
    await this.changes.record(user, 'category.create', { type: 'Category', id: c.id }, 'CREATED', ['categories'], { name: c.name });
    return c;
  }

  async updateCategory(viewer: Viewer | null, id: string, input: unknown): Promise<Category> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Category', id);
    const data = parseInput(categoryEditSchema, input);
    uniquely(CATEGORY_TAKEN, () => this.store.categories.update(id, data));
    await this.changes.record(user, 'category.update', { type: 'Category', id }, 'UPDATED', ['categories'], { fields: Object.keys(data) });
    return lookUp(this.store, 'Category', id);
  }

  async deleteCategory(viewer: Viewer | null, id: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const c = lookUp(this.store, 'Category', id);
    this.store.categories.delete(id);
    await this.changes.record(user, 'category.delete', { type: 'Category', id }, 'DELETED', ['categories'], { name: c.name });
    return id;
  }

  /** Puts an event photo into a category (with the person's reason) or takes it out. */
  async setCategoryMember(viewer: Viewer | null, categoryId: string, artefactId: string, member: boolean, reason: string | null): Promise<Category> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Category', categoryId);
    const artefact = lookUp(this.store, 'Artefact', artefactId);
    if (member && artefact.kind === 'MM') throw new AppError('BAD_USER_INPUT', 'Meeting minutes go into books, not categories');
    if (member) {
      this.store.categories.addMember({
        categoryId,
        artefactId,
        reason: reason?.trim() || `Placed by ${user.username}`,
        placedBy: 'HUMAN',
        model: null,
        userId: user.id,
      });
    } else {
      this.store.categories.removeMember(categoryId, artefactId);
    }
    await this.changes.record(user, member ? 'category.addMember' : 'category.removeMember', { type: 'Category', id: categoryId }, 'UPDATED', ['categories'], {
      artefactId,
    });
    return lookUp(this.store, 'Category', categoryId);
  }

  async createBook(viewer: Viewer | null, input: unknown): Promise<Book> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const data = parseInput(bookSchema, input);
    const b = this.store.books.create({ title: data.title, subtitle: data.subtitle ?? null });
    await this.changes.record(user, 'book.create', { type: 'Book', id: b.id }, 'CREATED', ['books'], { title: b.title });
    return b;
  }

  async updateBook(viewer: Viewer | null, id: string, input: unknown): Promise<Book> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Book', id);
    const data = parseInput(bookEditSchema, input);
    this.store.books.update(id, data);
    await this.changes.record(user, 'book.update', { type: 'Book', id }, 'UPDATED', ['books'], { fields: Object.keys(data) });
    return lookUp(this.store, 'Book', id);
  }

  async deleteBook(viewer: Viewer | null, id: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const b = lookUp(this.store, 'Book', id);
    this.store.books.delete(id);
    await this.changes.record(user, 'book.delete', { type: 'Book', id }, 'DELETED', ['books'], { title: b.title });
    return id;
  }

  /** Places a minutes page at a position in a book (appends when index is null), or moves it there. */
  /** Places a minutes page at a 1-based position (the end when null or past it). */
  async placeInBook(viewer: Viewer | null, bookId: string, artefactId: string, position: number | null): Promise<Book> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Book', bookId);
    const artefact = lookUp(this.store, 'Artefact', artefactId);
    if (artefact.kind === 'HF') throw new AppError('BAD_USER_INPUT', 'Event photos go into categories, not books');
    if (position !== null && position < 1) throw new AppError('BAD_USER_INPUT', 'position must be 1 or more', { field: 'position' });
    this.store.books.place(bookId, artefactId, position === null ? null : position - 1);
    await this.changes.record(user, 'book.place', { type: 'Book', id: bookId }, 'UPDATED', ['books'], { artefactId, position });
    return lookUp(this.store, 'Book', bookId);
  }

  async removeFromBook(viewer: Viewer | null, bookId: string, artefactId: string): Promise<Book> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Book', bookId);
    if (!this.store.books.remove(bookId, artefactId)) throw notFound('Book member', artefactId);
    await this.changes.record(user, 'book.remove', { type: 'Book', id: bookId }, 'UPDATED', ['books'], { artefactId });
    return lookUp(this.store, 'Book', bookId);
  }
}
