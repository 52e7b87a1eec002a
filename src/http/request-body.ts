import { parse } from 'graphql';
import { RequestRefused } from './errors.js';

/** Media types a POST to /graphql may use: JSON, a bare document, or a multipart upload. */
const ACCEPTED = /^(application\/json|application\/graphql|multipart\/form-data)(;|$)/i;

const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || v === null || ok(v);

/**
 * Refuses, before mercurius reads it, a POST that is not a GraphQL request: another media type
 * (415; a text/plain POST is also what a cross-site form sends), or a body whose parameters have
 * the wrong types (400; mercurius would coerce `"query": 0` to a string and fail inside).
 */
export function checkPost(contentType: string | undefined, body: unknown): void {
  if (contentType === undefined || !ACCEPTED.test(contentType)) {
    throw new RequestRefused(415, 'POST a GraphQL request as application/json (or multipart/form-data for uploads)');
  }
  if (!isMap(body)) throw new RequestRefused(400, 'The body must be a JSON object with a "query" string');
  const { query, operationName, variables, extensions } = body as Record<string, unknown>;
  if (typeof query !== 'string') throw new RequestRefused(400, 'The "query" parameter must be a string');
  if (!optional(operationName, (v) => typeof v === 'string')) throw new RequestRefused(400, 'The "operationName" parameter must be a string');
  if (!optional(variables, isMap)) throw new RequestRefused(400, 'The "variables" parameter must be an object');
  if (!optional(extensions, isMap)) throw new RequestRefused(400, 'The "extensions" parameter must be an object');
}

/**
 * mercurius reads a query that is not a GraphQL document but parses as JSON as a document AST,
 * and a wrong one fails deep inside validation. Such a query is refused here instead.
 */
export function checkNotJson(source: string): void {
  try {
    JSON.parse(source);
  } catch {
    return;
  }
  try {
    parse(source);
  } catch {
    throw new RequestRefused(400, 'The query is JSON, not a GraphQL document');
  }
}
