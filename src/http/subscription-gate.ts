import { mapSchema, MapperKind } from '@graphql-tools/utils';
import type { FastifyBaseLogger } from 'fastify';
import { astFromValue, Kind, typeFromAST, valueFromASTUntyped, type DocumentNode, type GraphQLInputType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { clientError, RequestRefused } from './errors.js';

/** The operation a resolver runs in as a document of its own, with the fragments it may spread. */
export const operationDocument = (info: GraphQLResolveInfo): DocumentNode => ({
  kind: Kind.DOCUMENT,
  definitions: [info.operation, ...Object.values(info.fragments)],
});

/**
 * Refuses a subscription sent over HTTP (400, for every client): its stream would start with no one
 * to read it. `operationName` picks the operation as graphql-js would.
 */
export function refuseSubscriptionOverHttp(document: DocumentNode, operationName: string | null | undefined): void {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = operationName == null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
  if (chosen?.operation !== 'subscription') return;
  throw new RequestRefused(
    400,
    'Subscriptions are served over WebSocket only: connect to /graphql with graphql-ws (protocol graphql-transport-ws) and send {"authorization": "Bearer <token>"} as connectionParams',
  );
}

/**
 * The operation's variables as the client sent them. `info.variableValues` holds them coerced (an
 * enum value as the name the code keeps, e.g. TraceLevel WARN as "warn"), which a check that
 * coerces them again would refuse.
 */
export const sentVariables = (info: GraphQLResolveInfo): Record<string, unknown> =>
  Object.fromEntries(
    (info.operation.variableDefinitions ?? []).flatMap((definition) => {
      const name = definition.variable.name.value;
      if (!(name in info.variableValues)) return [];
      const type = typeFromAST(info.schema, definition.type) as GraphQLInputType | undefined;
      const ast = type === undefined ? undefined : astFromValue(info.variableValues[name], type);
      return [[name, ast === undefined || ast === null ? null : valueFromASTUntyped(ast)]];
    }),
  );

/** Runs before a subscription starts; throws to refuse it. */
export type Admit = (context: unknown, info: GraphQLResolveInfo) => void;

/**
 * Every subscription field calls `admit` (with its variables, through `info`) before it
 * subscribes. A refusal, or any failure to subscribe, ends the stream with the error (its code,
 * no internal details) instead of being thrown from `subscribe`: mercurius logs what `subscribe`
 * throws at error level, and a client's mistake must not fill the error log.
 */
export function gateSubscriptions(schema: GraphQLSchema, admit: Admit, log: FastifyBaseLogger): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.SUBSCRIPTION_ROOT_FIELD]: (field) => {
      const subscribe = field.subscribe;
      if (subscribe === undefined) return field;
      return {
        ...field,
        subscribe: async function* (source: unknown, args: Record<string, unknown>, context: unknown, info: GraphQLResolveInfo) {
          try {
            admit(context, info);
            yield* (await subscribe(source, args, context, info)) as AsyncIterable<unknown>;
          } catch (error) {
            throw clientError(error, log);
          }
        },
      };
    },
  });
}
