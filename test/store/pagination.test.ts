import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Db } from '../../src/store/db.js';
import {
  countRows,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  keysetPage,
  likePattern,
  listing,
  MAX_PAGE_SIZE,
  nextSeq,
  type KeysetQuery,
  type PageArgs,
} from '../../src/store/pagination.js';
import { isAppError } from '../../src/errors.js';

interface Row {
  seq: number;
  colour: string;
}

let db: Db;

beforeEach(() => {
  db = new Db(':memory:');
  db.raw.exec('CREATE TABLE items (seq INTEGER PRIMARY KEY, colour TEXT NOT NULL)');
});
afterEach(() => db.close());

/** Rows seq 1..n, alternately red and blue. */
const fill = (n: number): void => {
  const insert = db.raw.prepare('INSERT INTO items (seq, colour) VALUES (?, ?)');
  for (let i = 1; i <= n; i++) insert.run(i, i % 2 === 1 ? 'red' : 'blue');
};

const ALL: KeysetQuery = { sql: 'SELECT seq, colour FROM items WHERE 1 = 1', params: [], seq: 'seq' };
const RED: KeysetQuery = { sql: 'SELECT seq, colour FROM items WHERE colour = ?', params: ['red'], seq: 'seq' };

const page = (args: PageArgs, q: KeysetQuery = ALL) => {
  const p = keysetPage<Row>(db, q, args);
  return { seqs: p.items.map((r) => r.seq), next: p.hasNextPage, previous: p.hasPreviousPage, cursors: p.cursors };
};

/** The code, field and message of the AppError `fn` throws. */
const refusal = (fn: () => unknown): { code: string; field: unknown; message: string } | undefined => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? { code: e.code, field: e.details?.field, message: e.message } : { code: 'not an AppError', field: undefined, message: String(e) };
  }
  return undefined;
};

describe('keyset pages forward (first/after)', () => {
  it('has no next page when the rows fill the page exactly', () => {
    fill(5);
    expect(page({ first: 5 })).toMatchObject({ seqs: [1, 2, 3, 4, 5], next: false, previous: false });
  });

  it('has a next page with one row more than the page, and that row after the cursor', () => {
    fill(6);
    const first = page({ first: 5 });
    expect(first).toMatchObject({ seqs: [1, 2, 3, 4, 5], next: true, previous: false });
    expect(page({ first: 5, after: first.cursors.at(-1) })).toMatchObject({ seqs: [6], next: false, previous: true });
  });

  it('ends exactly on the last row of a second full page', () => {
    fill(10);
    expect(page({ first: 5, after: encodeCursor(5) })).toMatchObject({ seqs: [6, 7, 8, 9, 10], next: false, previous: true });
  });

  it('pages the filtered rows only, with the query parameters before the cursor', () => {
    fill(10);
    const first = page({ first: 2 }, RED);
    expect(first).toMatchObject({ seqs: [1, 3], next: true });
    expect(page({ first: 2, after: first.cursors.at(-1) }, RED)).toMatchObject({ seqs: [5, 7], next: true, previous: true });
    expect(page({ first: 5, after: encodeCursor(5) }, RED)).toMatchObject({ seqs: [7, 9], next: false, previous: true });
  });

  it('takes DEFAULT_PAGE_SIZE rows when neither first nor last is given', () => {
    fill(DEFAULT_PAGE_SIZE + 1);
    const p = page({});
    expect(p.seqs).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(p.next).toBe(true);
    expect(page({ after: encodeCursor(DEFAULT_PAGE_SIZE) })).toMatchObject({ seqs: [DEFAULT_PAGE_SIZE + 1], next: false, previous: true });
  });

  it('gives one cursor per row that decodes to its seq', () => {
    fill(3);
    const p = page({ first: 3 });
    expect(p.cursors.map(decodeCursor)).toEqual([1, 2, 3]);
  });
});

describe('keyset pages backward (last/before)', () => {
  it('has no previous page when the rows fill the page exactly, and no next page without a cursor', () => {
    fill(5);
    expect(page({ last: 5 })).toMatchObject({ seqs: [1, 2, 3, 4, 5], next: false, previous: false });
  });

  it('has a previous page with one row more than the page, in ascending order', () => {
    fill(6);
    const last = page({ last: 5 });
    expect(last).toMatchObject({ seqs: [2, 3, 4, 5, 6], next: false, previous: true });
    expect(page({ last: 5, before: last.cursors[0] })).toMatchObject({ seqs: [1], next: true, previous: false });
  });

  it('ends exactly on the first row of a second full page, with a next page across the cursor', () => {
    fill(10);
    expect(page({ last: 5, before: encodeCursor(6) })).toMatchObject({ seqs: [1, 2, 3, 4, 5], next: true, previous: false });
  });

  it('goes backward with before alone, DEFAULT_PAGE_SIZE rows', () => {
    fill(DEFAULT_PAGE_SIZE + 2);
    const p = page({ before: encodeCursor(DEFAULT_PAGE_SIZE + 2) });
    expect(p.seqs).toEqual(Array.from({ length: DEFAULT_PAGE_SIZE }, (_, i) => i + 2));
    expect(p).toMatchObject({ next: true, previous: true });
  });

  it('keeps rows between after and before when both are given', () => {
    fill(10);
    expect(page({ first: 10, after: encodeCursor(2), before: encodeCursor(6) }).seqs).toEqual([3, 4, 5]);
    // first with before still pages forward, from the start of the range.
    expect(page({ first: 2, after: encodeCursor(2), before: encodeCursor(6) }).seqs).toEqual([3, 4]);
    expect(page({ first: 2, before: encodeCursor(6) })).toMatchObject({ seqs: [1, 2], next: true, previous: false });
    expect(page({ last: 2, after: encodeCursor(2), before: encodeCursor(6) })).toMatchObject({ seqs: [4, 5], previous: true, next: true });
  });
});

describe('keyset pages of a descending order (newest first)', () => {
  const NEWEST: KeysetQuery = { ...ALL, descending: true };

  it('walks down with first/after and up with last/before', () => {
    fill(5);
    const first = page({ first: 2 }, NEWEST);
    expect(first).toMatchObject({ seqs: [5, 4], next: true, previous: false });
    expect(page({ first: 2, after: first.cursors.at(-1) }, NEWEST)).toMatchObject({ seqs: [3, 2], next: true, previous: true });
    expect(page({ first: 2, after: encodeCursor(2) }, NEWEST)).toMatchObject({ seqs: [1], next: false, previous: true });
    const last = page({ last: 2 }, NEWEST);
    expect(last).toMatchObject({ seqs: [2, 1], next: false, previous: true });
    expect(page({ last: 2, before: last.cursors[0] }, NEWEST)).toMatchObject({ seqs: [4, 3], next: true, previous: true });
    expect(page({ last: 5, before: encodeCursor(4) }, NEWEST)).toMatchObject({ seqs: [5], next: true, previous: false });
  });
});

describe('paging arguments', () => {
  it('accepts 0 and MAX_PAGE_SIZE, and refuses first and last together or out of range with BAD_USER_INPUT', () => {
    fill(3);
    expect(page({ first: 0 })).toMatchObject({ seqs: [], next: true });
    expect(page({ first: MAX_PAGE_SIZE }).seqs).toHaveLength(3);
    expect(page({ last: MAX_PAGE_SIZE }).seqs).toHaveLength(3);
    expect(refusal(() => page({ first: 1, last: 1 }))).toEqual({ code: 'BAD_USER_INPUT', field: 'first', message: 'Pass either first or last, not both' });
    for (const n of [-1, MAX_PAGE_SIZE + 1]) {
      expect(refusal(() => page({ first: n }))).toEqual({ code: 'BAD_USER_INPUT', field: 'first', message: `first must be between 0 and ${MAX_PAGE_SIZE}` });
      expect(refusal(() => page({ last: n }))).toEqual({ code: 'BAD_USER_INPUT', field: 'last', message: `last must be between 0 and ${MAX_PAGE_SIZE}` });
    }
  });

  it('refuses a cursor that is not one of ours with BAD_USER_INPUT', () => {
    for (const bad of ['not-a-cursor', Buffer.from('c:').toString('base64url'), Buffer.from('c:1x').toString('base64url'), Buffer.from('xc:1').toString('base64url')]) {
      expect(refusal(() => decodeCursor(bad))).toEqual({ code: 'BAD_USER_INPUT', field: 'cursor', message: 'Invalid cursor' });
    }
    expect(decodeCursor(encodeCursor(42))).toBe(42);
  });
});

describe('counts, listings and helpers', () => {
  it('counts the filtered rows and maps a listing lazily', () => {
    fill(7);
    expect(countRows(db, ALL)).toBe(7);
    expect(countRows(db, RED)).toBe(4);
    const l = listing<Row, string>(db, RED, { first: 2 }, (r) => `${r.colour}-${r.seq}`);
    expect(l.page.items).toEqual(['red-1', 'red-3']);
    expect(l.page.hasNextPage).toBe(true);
    expect(l.count()).toBe(4);
  });

  it('reads the ordering value from the key column when it is not called seq', () => {
    fill(3);
    const q: KeysetQuery = { sql: 'SELECT seq AS position, colour FROM items WHERE 1 = 1', params: [], seq: 'seq', key: 'position' };
    const p = keysetPage<{ position: number }>(db, q, { first: 2 });
    expect(p.cursors.map(decodeCursor)).toEqual([1, 2]);
  });

  it('gives the next seq of a table, 1 when it is empty', () => {
    expect(nextSeq(db, 'items')).toBe(1);
    fill(4);
    expect(nextSeq(db, 'items')).toBe(5);
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePattern('a%b_c\\d')).toBe('%a\\%b\\_c\\\\d%');
  });
});
