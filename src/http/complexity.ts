import { getNullableType, isListType, type DocumentNode, type GraphQLField, type GraphQLSchema } from 'graphql';
import { getDirective } from '@graphql-tools/utils';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError } from '../errors.js';

// A list without paging arguments (an artefact's faces, say) is assumed to hold this many items.
const ASSUMED_LIST_SIZE = 10;
// A connection asked for without first/last gets the default page size.
const DEFAULT_PAGE = 20;

/** Connections cost their page size times what each item asks for; plain lists an assumed size. */
const pagedEstimator: ComplexityEstimator = ({ args, childComplexity, field, type: parent }) => {
  // Introspection reads the schema, not the data: free, so GraphiQL's schema query always works.
  if (field.name.startsWith('__')) return 0;
  // A connection's edges and nodes are its page, already multiplied by first/last at the connection.
  if (parent.name.endsWith('Connection') && (field.name === 'nodes' || field.name === 'edges')) return 1 + childComplexity;
  const first = typeof args.first === 'number' ? args.first : undefined;
  const last = typeof args.last === 'number' ? args.last : undefined;
  if (first !== undefined || last !== undefined) return 1 + Math.max(first ?? 0, last ?? 0) * childComplexity;
  const type = getNullableType(field.type);
  if ('name' in type && type.name.endsWith('Connection')) return 1 + DEFAULT_PAGE * childComplexity;
  if (isListType(type)) return 1 + ASSUMED_LIST_SIZE * childComplexity;
  return undefined;
};

/** What one operation would cost: its estimated cost, and how many `@expensive` fields it holds. */
export interface OperationCost {
  cost: number;
  expensiveFields: number;
}

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string,
): OperationCost {
  let expensiveFields = 0;
  // Counts as the cost analysis walks the operation (aliases and fragments included), then lets
  // the next estimator price the field.
  const countExpensive: ComplexityEstimator = ({ field }) => {
    if (getDirective(schema, field as GraphQLField<unknown, unknown>, 'expensive') !== undefined) expensiveFields += 1;
    return undefined;
  };
  const cost = getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [countExpensive, pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
  return { cost, expensiveFields };
}

/**
 * Refuses (BAD_USER_INPUT, before it runs) an operation whose estimated cost passes `maxComplexity`
 * or that holds more than `maxExpensiveFields` fields marked `@expensive` (language-model calls,
 * uploads, processing starts: 200 aliases of one would otherwise do the work 200 times).
 */
export function checkCost({ cost, expensiveFields }: OperationCost, limits: { maxComplexity: number; maxExpensiveFields: number }): void {
  if (cost > limits.maxComplexity) {
    throw new AppError(
      'BAD_USER_INPUT',
      `The query is too complex: its cost ${cost} passes the limit of ${limits.maxComplexity}. Ask for fewer items or fields.`,
      { cost, limit: limits.maxComplexity },
    );
  }
  if (expensiveFields > limits.maxExpensiveFields) {
    throw new AppError(
      'BAD_USER_INPUT',
      `The operation asks for ${expensiveFields} expensive fields (language-model calls, uploads, processing starts); the limit is ${limits.maxExpensiveFields}. Send them in separate operations.`,
      { expensiveFields, limit: limits.maxExpensiveFields },
    );
  }
}
