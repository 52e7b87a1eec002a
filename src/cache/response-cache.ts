import type { CacheTable } from './read-cache.js';

/** Taken before a response is computed; storing with it fails if a write came in between. */
export interface ResponseTicket {
  readonly key: string;
  readonly generation: number;
}

interface Entry {
  /** Encoded once: a hit is sent as these bytes, without encoding 20 KB of text again. */
  body: Buffer;
  tables: readonly CacheTable[];
  expiresAt: number;
}

/**
 * Whole serialised GraphQL responses, tagged with the tables they were read from. Synchronous on
 * purpose: a hit costs a map lookup, not a promise per field. Dropped by the same table
 * invalidations as the read cache; the TTL is only a backstop.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation, so a response computed across one is never stored. */
  private generation = 0;
  private bytes = 0;

  /** Bounded by both count and bytes: one wide page can weigh as much as a hundred narrow ones. */
  constructor(private readonly options: { ttlSeconds: number; maxEntries: number; maxBytes: number }) {}

  get(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.remove(key);
      return undefined;
    }
    return entry.body;
  }

  ticket(key: string): ResponseTicket {
    return { key, generation: this.generation };
  }

  /** Stores `body` unless any table was written since the ticket was taken. */
  set(ticket: ResponseTicket, body: string, tables: readonly CacheTable[]): void {
    if (ticket.generation !== this.generation) return;
    const bytes = Buffer.from(body);
    if (bytes.length > this.options.maxBytes) return;
    this.remove(ticket.key);
    // Oldest first out: a Map keeps insertion order.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size < this.options.maxEntries && this.bytes + bytes.length <= this.options.maxBytes) break;
      this.remove(oldest);
    }
    this.entries.set(ticket.key, { body: bytes, tables, expiresAt: Date.now() + this.options.ttlSeconds * 1000 });
    this.bytes += bytes.length;
  }

  drop(tables: readonly CacheTable[]): void {
    this.generation += 1;
    for (const [key, entry] of this.entries) {
      if (entry.tables.some((t) => tables.includes(t))) this.remove(key);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}
