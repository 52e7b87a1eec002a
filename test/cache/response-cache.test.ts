import { describe, expect, it } from 'vitest';
import { ResponseCache } from '../../src/cache/response-cache.js';

describe('ResponseCache', () => {
  const cache = () => new ResponseCache({ ttlSeconds: 60, maxEntries: 2, maxBytes: 10 });

  it('does not store a response computed while a table was written', () => {
    const c = cache();
    const ticket = c.ticket('page');
    c.drop(['categories']);
    c.set(ticket, '{"a":1}', ['artefacts']);
    expect(c.get('page')).toBeUndefined();
    c.set(c.ticket('page'), '{"a":1}', ['artefacts']);
    expect(c.get('page')?.toString()).toBe('{"a":1}');
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

  it('holds at most maxBytes, the oldest going first, and never one response larger than that', () => {
    const c = cache();
    c.set(c.ticket('a'), '123456', ['books']);
    c.set(c.ticket('b'), '12345', ['books']);
    expect([c.get('a'), c.get('b')?.toString()]).toEqual([undefined, '12345']);
    c.set(c.ticket('huge'), '12345678901', ['books']);
    expect([c.get('huge'), c.get('b')?.toString()]).toEqual([undefined, '12345']);
  });

  it('counts a replaced response once', () => {
    const c = cache();
    c.set(c.ticket('a'), '123', ['books']);
    c.set(c.ticket('a'), '123', ['books']);
    c.set(c.ticket('b'), '123456', ['books']);
    expect([c.get('a')?.toString(), c.get('b')?.toString()]).toEqual(['123', '123456']);
  });
});
