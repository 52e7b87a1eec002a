import { randomUUID } from 'node:crypto';
import { createCache, type Cache } from 'async-cache-dedupe';
import type { Events } from '../events.js';
import { ResponseCache } from './response-cache.js';

/** The tables a cached read depends on; a write to any of them invalidates it. */
export type CacheTable = 'artefacts' | 'fields' | 'categories' | 'books' | 'figures' | 'batches' | 'users';

/**
 * Cache of catalogue reads. Entries are tagged with the tables they read and dropped as soon as a
 * service writes to one of those tables (the TTL is only a backstop). Off by configuration.
 */
export class ReadCache {
  private readonly cache: Cache | undefined;
  /** Whole GraphQL responses of catalogue queries, dropped with the reads they were made of. */
  readonly responses: ResponseCache | undefined;
  private counter = 0;
  /** This instance on the shared bus, so that it skips its own invalidations. */
  private readonly instance = randomUUID();
  private events: Events | undefined;

  constructor(options: { enabled: boolean; ttlSeconds: number }) {
    this.cache = options.enabled
      ? createCache({ ttl: options.ttlSeconds, storage: { type: 'memory', options: { size: 5000, invalidation: true } } })
      : undefined;
    this.responses = options.enabled ? new ResponseCache({ ttlSeconds: options.ttlSeconds, maxEntries: 1000, maxBytes: 64 * 2 ** 20 }) : undefined;
  }

  get enabled(): boolean {
    return this.cache !== undefined;
  }

  /** Wraps a read so that its results are cached under its argument and tagged with `tables`. */
  define<A, R>(name: string, tables: readonly CacheTable[], read: (arg: A) => R): (arg: A) => Promise<R> {
    const cache = this.cache;
    if (cache === undefined) return async (arg) => read(arg);
    const key = `${name}#${(this.counter += 1)}`;
    const refs = tables.map((t) => `table:${t}`);
    cache.define(key, { references: () => refs }, async (arg: A) => read(arg));
    const fn = (cache as unknown as Record<string, (arg: A) => Promise<R>>)[key];
    if (fn === undefined) throw new Error(`cache function ${key} was not defined`);
    return fn;
  }

  /** Drops every cached read that depends on any of `tables`, here and on every instance sharing the bus. */
  async invalidate(tables: readonly CacheTable[]): Promise<void> {
    await this.drop(tables);
    this.events?.cacheInvalidated({ instance: this.instance, tables: [...tables] });
  }

  /** Shares invalidations with the other API instances on the same bus (Redis). */
  share(events: Events): void {
    this.events = events;
    events.onCacheInvalidated(({ instance, tables }) => {
      if (instance !== this.instance) void this.drop(tables);
    });
  }

  private async drop(tables: readonly CacheTable[]): Promise<void> {
    this.responses?.drop(tables);
    await this.cache?.invalidateAll(tables.map((t) => `table:${t}`));
  }
}
