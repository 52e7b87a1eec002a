import { GraphQLError, type ExecutionResult } from 'graphql';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, isAppError } from '../errors.js';

type FormattedError = ReturnType<GraphQLError['toJSON']>;

/** mercurius wraps validation failures in one error that holds the real ones. */
function unwrap(error: GraphQLError): GraphQLError[] {
  const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(inner)) {
    return inner.map((e) => (e instanceof GraphQLError ? e : new GraphQLError(e instanceof Error ? e.message : String(e))));
  }
  return [error];
}

/** The HTTP status an error carries (fastify's and mercurius's request errors do). */
const statusOf = (error: GraphQLError): number | undefined => {
  const status = (error.originalError as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
};

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
  const status = statusOf(error);
  // Without a path, graphql-js refused the request itself (the document, or a variable's value);
  // with a path it failed while executing (serialising a value, say), which is ours.
  const requestError = (error.path === undefined && (original == null || original instanceof GraphQLError)) || (status !== undefined && status < 500);
  if (requestError) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'BAD_USER_INPUT';
    return { ...base, message: error.message, extensions: { code } } as FormattedError;
  }
  log.error({ err: original }, 'unexpected error while resolving a GraphQL request');
  return { ...base, message: 'Internal server error', extensions: { code: 'INTERNAL' } } as FormattedError;
}

/** Whether a logged value is a list of graphql-js errors (how mercurius logs a refused subscription). */
export const isGraphqlErrors = (value: unknown): boolean => Array.isArray(value) && value.length > 0 && value.every((e) => e instanceof GraphQLError);

/**
 * An error as a client may see it (code, no internal details), for the one path that bypasses
 * the error formatter: a subscription that fails over WebSocket.
 */
export function clientError(error: unknown, log: FastifyBaseLogger): GraphQLError {
  const graphqlError =
    error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error), { originalError: error instanceof Error ? error : undefined });
  const { message, extensions } = formatError(graphqlError, log);
  return new GraphQLError(message, { extensions });
}

/** The HTTP request is not a GraphQL request (its media type, body or parameters): 4xx for every client. */
export class RequestRefused extends AppError {
  constructor(
    readonly statusCode: 400 | 415,
    message: string,
  ) {
    super('BAD_USER_INPUT', message);
  }
}

/**
 * A well-formed request whose GraphQL document (or variables) cannot run: a syntax or validation
 * error, a bad variable value, or a depth or cost limit. mercurius wraps the first three in one
 * error holding graphql-js's errors; a malformed body or parameter is wrapped with others.
 */
function isDocumentProblem(error: GraphQLError): boolean {
  const original = error.originalError;
  if (original == null) return true;
  const inner = (original as { errors?: unknown }).errors;
  if (Array.isArray(inner)) return inner.every((e) => e instanceof GraphQLError);
  return isAppError(original) && statusOf(error) === undefined;
}

/**
 * GraphQL-over-HTTP status codes. 200 once execution ran. A request that could not run has no
 * `data` entry; a malformed HTTP request is 4xx (400, 405 for a mutation over GET, 415) for every
 * client; a document that cannot run is 400 for `application/graphql-response+json` clients and
 * 200 for legacy `application/json` ones, as the spec asks; a change refused in maintenance mode is 503.
 */
export function errorFormatter(
  execution: ExecutionResult & { statusCode?: number },
  log: FastifyBaseLogger,
  wantsGraphqlResponse: boolean,
): { statusCode: number; response: ExecutionResult } {
  const raw = execution.errors ?? [];
  const errors = raw.flatMap((e) => unwrap(e)).map((e) => formatError(e, log));
  // Formatted errors are plain JSON objects; mercurius serialises them as they are.
  const formatted = errors as unknown as ExecutionResult['errors'];
  // graphql-js answers with a data entry once execution starts (null when a root field failed).
  if (execution.data !== undefined) return { statusCode: 200, response: { data: execution.data, errors: formatted } };
  let statusCode: number;
  if (errors.some((e) => e.extensions?.code === 'INTERNAL')) statusCode = 500;
  // Maintenance mode: the service is unavailable for changes for a while, not the request wrong.
  else if (errors.some((e) => e.extensions?.code === 'MAINTENANCE')) statusCode = 503;
  else if (raw.every(isDocumentProblem)) statusCode = wantsGraphqlResponse ? 400 : 200;
  else statusCode = raw.map(statusOf).find((s) => s !== undefined && s >= 400 && s < 500) ?? 400;
  return { statusCode, response: { errors: formatted } };
}
