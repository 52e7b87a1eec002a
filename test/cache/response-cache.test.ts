import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../src/cache/response-cache.js';

describe('ResponseCache', () => {
  const cache = () => new ResponseCache({ ttlSeconds: 60, maxEntries: 2 });

  it('does not store a response computed while a table was written', () => {
    const c = cache();
    const ticket = c.ticket('page');
    c.drop(['categories']);
    c.set(ticket, '{"data":{}}', ['artefacts']);
    expect(c.get('page')).toBeUndefined();
    c.set(c.ticket('page'), '{"data":{}}', ['artefacts']);
    expect(c.get('page')?.toString()).toBe('{"data":{}}');
  });

  it('drops the entries that read a written table, and only those', () => {
    const c = cache();
    c.set(c.ticket('books'), 'b', ['books']);
    c.set(c.ticket('page'), 'p', ['artefacts', 'categories']);
    c.drop(['categories']);
    expect(c.get('page')).toBeUndefined();
    expect(c.get('books')?.toString()).toBe('b');
  });

  it('holds at most maxEntries, the oldest going first', () => {
    const c = cache();
    for (const key of ['a', 'b', 'c']) c.set(c.ticket(key), key, ['books']);
    expect([c.get('a'), c.get('b')?.toString(), c.get('c')?.toString()]).toEqual([undefined, 'b', 'c']);
  });
});
