import { GraphQLError, type ExecutionResult } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { isAppError } from '../errors.js';

type FormattedError = ReturnType<GraphQLError['toJSON']>;

/** mercurius wraps validation failures in one error that holds the real ones. */
function unwrap(error: GraphQLError): GraphQLError[] {
  const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(inner)) {
    return inner.map((e) => (e instanceof GraphQLError ? e : new GraphQLError(e instanceof Error ? e.message : String(e))));
  }
  return [error];
}

/**
 * Every error leaves with an `extensions.code`. AppErrors keep their message and code; errors in
 * the request itself (syntax, validation, depth, complexity) are BAD_USER_INPUT; anything else is
 * logged and reported as INTERNAL without details.
 */
export function formatError(error: GraphQLError, log: FastifyBaseLogger): FormattedError {
  const original = error.originalError;
  const base = { locations: error.locations, path: error.path };
  if (isAppError(original)) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } } as FormattedError;
  }
  const status = (original as { statusCode?: unknown } | undefined)?.statusCode;
  // Without a path, graphql-js refused the request itself (the document, or a variable's value);
  // with a path it failed while executing (serialising a value, say), which is ours.
  const requestError =
    (error.path === undefined && (original == null || original instanceof GraphQLError)) || (typeof status === 'number' && status < 500);
  if (requestError) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'BAD_USER_INPUT';
    return { ...base, message: error.message, extensions: { code } } as FormattedError;
  }
  log.error({ err: original }, 'unexpected error while resolving a GraphQL request');
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL' } } as FormattedError;
}

/**
 * GraphQL-over-HTTP status codes: 200 once execution ran. A request that could not run at all
 * (syntax, validation, depth) is 400 for `application/graphql-response+json` clients, and 200 for
 * legacy `application/json` ones, as the spec asks; a mutation over GET is 405 for both.
 */
export function errorFormatter(
  execution: ExecutionResult & { statusCode?: number },
  log: FastifyBaseLogger,
  wantsGraphqlResponse: boolean,
): { statusCode: number; response: ExecutionResult } {
  const raw = execution.errors ?? [];
  const errors = raw.flatMap((e) => unwrap(e)).map((e) => formatError(e, log));
  const requestStatus = raw
    .map((e) => (e.originalError as { statusCode?: unknown } | undefined)?.statusCode)
    .find((s): s is number => typeof s === 'number' && s >= 400 && s < 500);
  let statusCode = 200;
  if (execution.data == null && requestStatus !== undefined) {
    // 405 (a mutation over GET) holds for both media types.
    statusCode = wantsGraphqlResponse || requestStatus === 405 ? requestStatus : 200;
  }
  // Formatted errors are plain JSON objects; mercurius serialises them as they are.
  return { statusCode, response: { data: execution.data ?? null, errors } as unknown as ExecutionResult };
}
