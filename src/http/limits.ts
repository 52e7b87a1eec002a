import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import { checkCost, operationCost, type OperationCost } from './complexity.js';
import { checkDepth, queryDepth } from './depth.js';

export type Limits = Pick<Config['graphql'], 'maxDepth' | 'maxComplexity' | 'maxExpensiveFields'>;

interface Measure {
  depth: number;
  cost: OperationCost;
}

/**
 * Depth and cost per parsed document and variables: mercurius keeps the parsed document of a
 * query it has seen, so a repeated query is the same object and is walked once (the cost walk was
 * about a tenth of an uncached catalogue page). Weak, so documents mercurius drops go with theirs.
 */
const measured = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Measure>>>();
// Distinct variables (and operation names) remembered per document, so that searches cannot grow it without end.
const VARIANTS_PER_DOCUMENT = 64;

function measure(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): Measure {
  let documents = measured.get(schema);
  if (documents === undefined) measured.set(schema, (documents = new WeakMap()));
  let variants = documents.get(document);
  if (variants === undefined) documents.set(document, (variants = new Map()));
  const key = JSON.stringify([operationName ?? null, variables]);
  let m = variants.get(key);
  if (m === undefined) {
    if (variants.size >= VARIANTS_PER_DOCUMENT) variants.clear();
    m = { depth: queryDepth(document), cost: operationCost(schema, document, variables, operationName) };
    variants.set(key, m);
  }
  return m;
}

/**
 * The limits every operation passes before it runs, whatever its transport: depth, estimated cost
 * and expensive fields. A refusal is BAD_USER_INPUT.
 */
export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  limits: Limits,
  operationName?: string,
): void {
  const { depth, cost } = measure(schema, document, variables, operationName);
  checkDepth(depth, limits.maxDepth);
  checkCost(cost, limits);
}
