import { getNullableType, isListType, type DocumentNode, type GraphQLSchema } from 'graphql';
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

/** Refuses an operation whose estimated cost passes `maximum` (BAD_USER_INPUT, before it runs). */
export function checkComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  maximum: number,
  operationName?: string,
): void {
  const cost = getComplexity({
    schema,
    query: document,
    variables,
    operationName,
    estimators: [pagedEstimator, simpleEstimator({ defaultComplexity: 1 })],
  });
  if (cost > maximum) {
    throw new AppError('BAD_USER_INPUT', `The query is too complex: its cost ${cost} passes the limit of ${maximum}. Ask for fewer items or fields.`, {
      cost,
      limit: maximum,
    });
  }
}
