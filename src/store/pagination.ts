import { badInput } from '../errors.js';
import type { Db } from './db.js';

/** Relay connection arguments. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Page<T> {
  items: T[];
  /** One opaque cursor per item. */
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const encodeCursor = (seq: number): string => Buffer.from(`c:${seq}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const m = /^c:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m?.[1]) throw badInput('Invalid cursor', 'cursor');
  return Number(m[1]);
}

/** A cursor of a list sorted by a key: the key's value and the row's seq, which breaks ties. */
const encodeKeyedCursor = (value: unknown, seq: number): string => Buffer.from(`k:${JSON.stringify([value, seq])}`).toString('base64url');

function decodeKeyedCursor(cursor: string): [string | number, number] {
  const text = Buffer.from(cursor, 'base64url').toString();
  try {
    const parsed: unknown = text.startsWith('k:') ? JSON.parse(text.slice(2)) : null;
    if (Array.isArray(parsed) && parsed.length === 2 && ['string', 'number'].includes(typeof parsed[0]) && Number.isInteger(parsed[1])) return [parsed[0], parsed[1]];
  } catch {
    // Not JSON: refused below.
  }
  throw badInput('Invalid cursor', 'cursor');
}

/** A filtered set of rows ordered by a stable integer `seq` column. */
export interface KeysetQuery {
  /** `SELECT … FROM … WHERE <conditions>` without ORDER BY or LIMIT; must select `seq`. */
  sql: string;
  params: unknown[];
  /** The ordering column (unique within the set), e.g. `a.seq`; selected as `seq` unless `key` says otherwise. */
  seq: string;
  /** The result column that holds the ordering value; default `seq`. */
  key?: string;
  /** Highest `seq` first (newest first); `first/after` then walk down and `last/before` up. */
  descending?: boolean;
  /**
   * Sorts by this SQL expression first (never NULL), `seq` breaking ties so the order is total and
   * cursors stay stable; the query must select it as `sort_key`.
   */
  sortKey?: string;
}

/** How a browsable list is sorted; creation order (seq) breaks ties. */
export interface ListOrder {
  by: 'CREATED' | 'UPDATED' | 'NAME';
  direction: 'ASC' | 'DESC';
}

export const CREATION_ORDER: ListOrder = { by: 'CREATED', direction: 'ASC' };

/** `q` sorted by an SQL expression (selected as `sort_key`) before seq; by seq alone when undefined. */
export const sortedBy = (q: KeysetQuery, sortKey: string | undefined, direction: 'ASC' | 'DESC'): KeysetQuery => ({
  ...q,
  sql: sortKey === undefined ? q.sql : q.sql.replace(/^SELECT /, `SELECT ${sortKey} AS sort_key, `),
  sortKey,
  descending: direction === 'DESC',
});

/** `q` in a list order, given the SQL of its last-change and name columns (names sort case-insensitively). */
export const ordered = (q: KeysetQuery, order: ListOrder, columns: { updated: string; name: string }): KeysetQuery =>
  sortedBy(q, order.by === 'UPDATED' ? columns.updated : order.by === 'NAME' ? `lower(${columns.name})` : undefined, order.direction);

/**
 * Keyset pagination both ways: forward with first/after, backward with last/before. One statement
 * per page; the page fetches one extra row to know whether more exist in that direction.
 */
export function keysetPage<Row extends object>(db: Db, q: KeysetQuery, args: PageArgs): Page<Row> {
  const { first, last } = args;
  if (first != null && last != null) throw badInput('Pass either first or last, not both', 'first');
  for (const [name, n] of [['first', first], ['last', last]] as const) {
    if (n != null && (n < 0 || n > MAX_PAGE_SIZE)) throw badInput(`${name} must be between 0 and ${MAX_PAGE_SIZE}`, name);
  }
  const backward = last != null || (first == null && args.before != null);
  const size = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const descending = q.descending === true;
  const conditions: string[] = [];
  const params = [...q.params];
  // Rows beyond a cursor in one direction: past its key, or at its key and past its seq.
  const beyond = (cursor: string, op: '<' | '>') => {
    if (q.sortKey === undefined) {
      conditions.push(`${q.seq} ${op} ?`);
      params.push(decodeCursor(cursor));
      return;
    }
    const [key, seq] = decodeKeyedCursor(cursor);
    conditions.push(`(${q.sortKey} ${op} ? OR (${q.sortKey} = ? AND ${q.seq} ${op} ?))`);
    params.push(key, key, seq);
  };
  if (args.after != null) beyond(args.after, descending ? '<' : '>');
  if (args.before != null) beyond(args.before, descending ? '>' : '<');
  const where = conditions.length === 0 ? '' : ` AND ${conditions.join(' AND ')}`;
  const direction = backward === descending ? 'ASC' : 'DESC';
  const order = q.sortKey === undefined ? `${q.seq} ${direction}` : `${q.sortKey} ${direction}, ${q.seq} ${direction}`;
  const sql = `${q.sql}${where} ORDER BY ${order} LIMIT ?`;
  const rows = db.query<Row>(sql).all(...params, size + 1);
  const more = rows.length > size;
  const items = rows.slice(0, size);
  if (backward) items.reverse();
  const key = q.key ?? 'seq';
  return {
    items,
    cursors: items.map((row) => {
      const r = row as Record<string, unknown>;
      return q.sortKey === undefined ? encodeCursor(Number(r[key])) : encodeKeyedCursor(r.sort_key, Number(r[key]));
    }),
    // Across a cursor the other direction is known to have at least the cursor's own row.
    hasNextPage: backward ? args.before != null : more,
    hasPreviousPage: backward ? more : args.after != null,
  };
}

/** Counts the rows of a keyset query (for `totalCount`, only when asked for). */
export function countRows(db: Db, q: KeysetQuery): number {
  const row = db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (${q.sql})`).get(...q.params);
  return row?.n ?? 0;
}

/** A page plus a lazy total, mapped from rows to domain values. */
export interface Listing<T> {
  page: Page<T>;
  count: () => number;
}

export function listing<Row extends object, T>(db: Db, q: KeysetQuery, args: PageArgs, map: (row: Row) => T): Listing<T> {
  const page = keysetPage<Row>(db, q, args);
  return { page: { ...page, items: page.items.map(map) }, count: () => countRows(db, q) };
}

/** Next value of a table's seq column, inside the caller's transaction. */
export function nextSeq(db: Db, table: string): number {
  return (db.query<{ s: number }>(`SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM ${table}`).get()?.s ?? 1);
}

/** `%text%` for LIKE … ESCAPE '\\', with the wildcards in `text` escaped. */
export const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
