import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Config } from '../config.js';
import { checkCost } from './complexity.js';
import { checkDepth } from './depth.js';

export type Limits = Pick<Config['graphql'], 'maxDepth' | 'maxComplexity' | 'maxExpensiveFields'>;

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
  checkDepth(document, limits.maxDepth);
  checkCost(schema, document, variables, limits, operationName);
}
