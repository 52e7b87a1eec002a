import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { onResolutionHookHandler } from 'mercurius';
import type { CacheTable } from '../cache/read-cache.js';
import type { ResponseTicket } from '../cache/response-cache.js';
import type { CatalogueReads } from '../services/catalogue-reads.js';
import { cacheTables } from './cacheable-fields.js';

/** Queries whose cacheability was worked out, so that a document is parsed for it once. */
const MAX_ANALYSED = 1000;

interface Pending {
  ticket: ResponseTicket;
  tables: CacheTable[];
  /** Set once execution ended without errors; refusals before execution never get here. */
  resolved: boolean;
}

/** The request's cache key: its query, variables and operation name, as sent (GET or POST), and its variant. */
function requestKey(request: FastifyRequest, variant: string): { key: string; query: string } | null {
  if (request.isMultipart) return null;
  const params = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | null | undefined;
  const query = params?.query;
  if (typeof query !== 'string') return null;
  return { key: JSON.stringify([query, params?.variables ?? null, params?.operationName ?? null, variant]), query };
}

/**
 * Whole-response cache for catalogue queries at /graphql: a hit answers with the stored JSON
 * before mercurius parses, executes or serialises anything; a miss that is made only of catalogue
 * reads (see cacheable-fields.ts) and has no errors is stored, per role, tagged with its tables.
 * `variant` names whatever else a response depends on besides the request and the role (the base
 * address and the window of its signed URLs). Registered before mercurius (its route gets the
 * hooks); the returned hook goes on mercurius after.
 */
export function registerResponseCache(
  app: FastifyInstance,
  schema: GraphQLSchema,
  reads: CatalogueReads,
  variant: (request: FastifyRequest) => string,
): onResolutionHookHandler {
  // Off (CACHE_ENABLED=false): no key is made, nor the signed URL its variant takes.
  if (!reads.cachesResponses) return async () => undefined;
  const analysed = new Map<string, CacheTable[] | null>();
  const pending = new WeakMap<FastifyRequest, Pending>();
  const tablesOf = (query: string): CacheTable[] | null => {
    let tables = analysed.get(query);
    if (tables === undefined) {
      if (analysed.size >= MAX_ANALYSED) analysed.clear();
      tables = cacheTables(schema, query);
      analysed.set(query, tables);
    }
    return tables;
  };

  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql') return;
    const req = requestKey(request, variant(request));
    if (req === null) return;
    const hit = reads.cachedResponse(request.viewer, req.key);
    if (hit !== undefined) return reply.type('application/json; charset=utf-8').send(hit);
    const tables = tablesOf(req.query);
    const ticket = tables === null ? null : reads.responseTicket(request.viewer, req.key);
    if (tables !== null && ticket !== null) pending.set(request, { ticket, tables, resolved: false });
    return undefined;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const stored = pending.get(request);
    if (stored?.resolved === true && reply.statusCode === 200 && typeof payload === 'string') reads.storeResponse(stored.ticket, payload, stored.tables);
    return payload;
  });
  // Only a response without errors is shared.
  return async (execution, context) => {
    const stored = pending.get(context.reply.request);
    if (stored !== undefined) stored.resolved = execution.errors === undefined || execution.errors.length === 0;
  };
}
