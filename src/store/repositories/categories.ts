import { randomUUID } from 'node:crypto';
import { Conditions } from '../conditions.js';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { CREATION_ORDER, listing, nextSeq, ordered, type ListOrder, type Listing, type PageArgs } from '../pagination.js';

export interface Category {
  id: string;
  seq: number;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

export type PlacedBy = 'MODEL' | 'HUMAN';

export interface CategoryMembership {
  categoryId: string;
  artefactId: string;
  reason: string;
  placedBy: PlacedBy;
  model: string | null;
  userId: string | null;
  addedAt: string;
}

interface CategoryRow {
  id: string;
  seq: number;
  name: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

interface MembershipRow {
  category_id: string;
  artefact_id: string;
  reason: string;
  placed_by: PlacedBy;
  model: string | null;
  user_id: string | null;
  added_at: string;
}

const toCategory = (r: CategoryRow): Category => ({
  id: r.id,
  seq: r.seq,
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toMembership = (r: MembershipRow): CategoryMembership => ({
  categoryId: r.category_id,
  artefactId: r.artefact_id,
  reason: r.reason,
  placedBy: r.placed_by,
  model: r.model,
  userId: r.user_id,
  addedAt: r.added_at,
});

export class CategoryRepository {
  constructor(private readonly db: Db) {}

  create(input: { name: string; description: string | null }): Category {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db.transaction(() =>
      this.db
        .query('INSERT INTO categories (id, seq, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, nextSeq(this.db, 'categories'), input.name, input.description, now, now),
    );
    return this.byIds([id])[0] as Category;
  }

  byIds(ids: readonly string[]): Category[] {
    if (ids.length === 0) return [];
    return this.db.query<CategoryRow>(`SELECT * FROM categories WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toCategory);
  }

  byName(name: string): Category | undefined {
    const row = this.db.query<CategoryRow>('SELECT * FROM categories WHERE name = ?').get(name);
    return row && toCategory(row);
  }

  page(args: PageArgs, filter: { search?: string | null }, order: ListOrder = CREATION_ORDER): Listing<Category> {
    const c = new Conditions().like(filter.search, 'name', 'description');
    const q = ordered({ sql: `SELECT * FROM categories WHERE ${c.sql}`, params: c.params, seq: 'seq' }, order, { updated: 'updated_at', name: 'name' });
    return listing<CategoryRow, Category>(this.db, q, args, toCategory);
  }

  update(id: string, changes: { name?: string; description?: string | null }): void {
    const now = new Date().toISOString();
    if (changes.name !== undefined) this.db.query('UPDATE categories SET name = ?, updated_at = ? WHERE id = ?').run(changes.name, now, id);
    if (changes.description !== undefined) {
      this.db.query('UPDATE categories SET description = ?, updated_at = ? WHERE id = ?').run(changes.description, now, id);
    }
  }

  delete(id: string): boolean {
    return this.db.query('DELETE FROM categories WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Memberships of many artefacts at once, each with the reason it was placed there and its
   * category, read in the same statement (a catalogue page then needs no statement for categories).
   */
  membershipsOf(artefactIds: readonly string[]): (CategoryMembership & { category: Category })[] {
    if (artefactIds.length === 0) return [];
    return this.db
      .query<MembershipRow & Omit<CategoryRow, 'id'>>(
        `SELECT m.*, c.seq, c.name, c.description, c.created_at, c.updated_at FROM category_members m JOIN categories c ON c.id = m.category_id
         WHERE m.artefact_id IN (${placeholders(artefactIds.length)}) ORDER BY c.seq`,
      )
      .all(...artefactIds)
      .map((r) => ({ ...toMembership(r), category: toCategory({ ...r, id: r.category_id }) }));
  }

  memberCounts(categoryIds: readonly string[]): Map<string, number> {
    if (categoryIds.length === 0) return new Map();
    const rows = this.db
      .query<{ category_id: string; n: number }>(
        `SELECT category_id, COUNT(*) AS n FROM category_members WHERE category_id IN (${placeholders(categoryIds.length)}) GROUP BY category_id`,
      )
      .all(...categoryIds);
    return new Map(rows.map((r) => [r.category_id, r.n]));
  }

  addMember(m: Omit<CategoryMembership, 'addedAt'>): void {
    this.db
      .query(
        `INSERT INTO category_members (category_id, artefact_id, reason, placed_by, model, user_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (category_id, artefact_id) DO UPDATE SET reason = excluded.reason, placed_by = excluded.placed_by,
           model = excluded.model, user_id = excluded.user_id, added_at = excluded.added_at`,
      )
      .run(m.categoryId, m.artefactId, m.reason, m.placedBy, m.model, m.userId, new Date().toISOString());
  }

  removeMember(categoryId: string, artefactId: string): boolean {
    return this.db.query('DELETE FROM category_members WHERE category_id = ? AND artefact_id = ?').run(categoryId, artefactId).changes > 0;
  }
}
