import type { Page } from '../src/store/pagination.js';

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counted only when the client asks for totalCount (see connectionResolvers). */
  count: () => number | Promise<number>;
}

export function toConnection<T>(page: Page<T>, count: () => number | Promise<number>): Connection<T> {
  return {
    edges: page.items.map((node, i) => ({ node, cursor: page.cursors[i] as string })),
    nodes: page.items,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors.at(-1) ?? null,
    },
    count,
  };
}

const CONNECTIONS = ['User', 'AuditEntry', 'Artefact', 'Category', 'Book', 'Figure', 'FigureChange', 'Batch', 'Trace', 'TraceReport'] as const;

/** `totalCount` of every connection type, resolved lazily (graphql-jit does not call function values). */
export const connectionResolvers = Object.fromEntries(
  CONNECTIONS.map((name) => [`${name}Connection`, { totalCount: (c: Connection<unknown>) => c.count() }]),
);

/** Relay pagination arguments as they arrive from GraphQL. */
export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export const pageArgs = (a: ConnectionArgs): ConnectionArgs => ({ first: a.first, after: a.after, last: a.last, before: a.before });
