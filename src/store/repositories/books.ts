import { randomUUID } from 'node:crypto';
import { Conditions } from '../conditions.js';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { CREATION_ORDER, listing, nextSeq, ordered, type ListOrder, type Listing, type PageArgs } from '../pagination.js';

export interface Book {
  id: string;
  seq: number;
  title: string;
  subtitle: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An artefact's place in a book. */
export interface BookMembership {
  bookId: string;
  artefactId: string;
  position: number;
  book: Book;
}

interface BookRow {
  id: string;
  seq: number;
  title: string;
  subtitle: string | null;
  created_at: string;
  updated_at: string;
}

const toBook = (r: BookRow): Book => ({
  id: r.id,
  seq: r.seq,
  title: r.title,
  subtitle: r.subtitle,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class BookRepository {
  constructor(private readonly db: Db) {}

  create(input: { title: string; subtitle: string | null }): Book {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db.transaction(() =>
      this.db
        .query('INSERT INTO books (id, seq, title, subtitle, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, nextSeq(this.db, 'books'), input.title, input.subtitle, now, now),
    );
    return this.byIds([id])[0] as Book;
  }

  byIds(ids: readonly string[]): Book[] {
    if (ids.length === 0) return [];
    return this.db.query<BookRow>(`SELECT * FROM books WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toBook);
  }

  page(args: PageArgs, filter: { search?: string | null }, order: ListOrder = CREATION_ORDER): Listing<Book> {
    const c = new Conditions().like(filter.search, 'title', 'subtitle');
    const q = ordered({ sql: `SELECT * FROM books WHERE ${c.sql}`, params: c.params, seq: 'seq' }, order, { updated: 'updated_at', name: 'title' });
    return listing<BookRow, Book>(this.db, q, args, toBook);
  }

  update(id: string, changes: { title?: string; subtitle?: string | null }): void {
    const now = new Date().toISOString();
    if (changes.title !== undefined) this.db.query('UPDATE books SET title = ?, updated_at = ? WHERE id = ?').run(changes.title, now, id);
    if (changes.subtitle !== undefined) this.db.query('UPDATE books SET subtitle = ?, updated_at = ? WHERE id = ?').run(changes.subtitle, now, id);
  }

  delete(id: string): boolean {
    return this.db.query('DELETE FROM books WHERE id = ?').run(id).changes > 0;
  }

  /** The books of many artefacts at once, with each artefact's position and the book, read in the same statement. */
  membershipsOf(artefactIds: readonly string[]): BookMembership[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<{ book_id: string; artefact_id: string; position: number } & Omit<BookRow, 'id'>>(
        `SELECT m.book_id, m.artefact_id, m.position, b.seq, b.title, b.subtitle, b.created_at, b.updated_at FROM book_members m JOIN books b ON b.id = m.book_id
         WHERE m.artefact_id IN (${placeholders(artefactIds.length)}) ORDER BY b.seq`,
      )
      .all(...artefactIds)
      .map((r) => ({ bookId: r.book_id, artefactId: r.artefact_id, position: r.position, book: toBook({ ...r, id: r.book_id }) }));
  }

  /** The ordered artefact ids of a book, as a keyset page over positions. */
  members(bookId: string, args: PageArgs): Listing<string> {
    return listing<{ artefact_id: string; position: number }, string>(
      this.db,
      { sql: 'SELECT artefact_id, position FROM book_members WHERE book_id = ?', params: [bookId], seq: 'position', key: 'position' },
      args,
      (r) => r.artefact_id,
    );
  }

  /**
   * Puts an artefact at a 0-based index in the book (moving it if already there); positions are
   * renumbered 1..n so they stay dense.
   */
  place(bookId: string, artefactId: string, index: number | null): void {
    this.db.transaction(() => {
      const current = this.memberIds(bookId);
      const others = current.filter((id) => id !== artefactId);
      if (index === null && others.length === current.length) {
        // Appending a new page: positions are dense, so the next one is count + 1; no renumbering.
        this.db
          .query('INSERT INTO book_members (book_id, artefact_id, position, added_at) VALUES (?, ?, ?, ?)')
          .run(bookId, artefactId, current.length + 1, new Date().toISOString());
        return;
      }
      const at = index === null ? others.length : Math.max(0, Math.min(index, others.length));
      others.splice(at, 0, artefactId);
      this.renumber(bookId, others);
    });
  }

  private memberIds(bookId: string): string[] {
    return this.db
      .query<{ artefact_id: string }>('SELECT artefact_id FROM book_members WHERE book_id = ? ORDER BY position')
      .all(bookId)
      .map((r) => r.artefact_id);
  }

  remove(bookId: string, artefactId: string): boolean {
    return this.db.transaction(() => {
      const removed = this.db.query('DELETE FROM book_members WHERE book_id = ? AND artefact_id = ?').run(bookId, artefactId).changes > 0;
      if (removed) this.renumber(bookId, this.memberIds(bookId));
      return removed;
    });
  }

  private renumber(bookId: string, orderedIds: readonly string[]): void {
    const now = new Date().toISOString();
    orderedIds.forEach((id, i) => {
      this.db
        .query(
          `INSERT INTO book_members (book_id, artefact_id, position, added_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (book_id, artefact_id) DO UPDATE SET position = excluded.position`,
        )
        .run(bookId, id, i + 1, now);
    });
  }
}
