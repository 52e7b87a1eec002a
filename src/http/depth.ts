import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { AppError } from '../errors.js';

/**
 * Depth of the deepest field path of the operations in a document, through fragments. Introspection
 * (`__schema`, `__type`) is not counted: GraphiQL's own schema query is 15 levels deep.
 */
export function queryDepth(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const depthOf = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>): number => {
    if (set === undefined) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value.startsWith('__')) continue;
        max = Math.max(max, s.selectionSet ? 1 + depthOf(s.selectionSet, seen) : 1);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, depthOf(s.selectionSet, seen));
      } else {
        const name = s.name.value;
        const fragment = fragments.get(name);
        // A fragment spread inside itself is invalid GraphQL; validation reports it, depth need not loop.
        if (fragment !== undefined && !seen.has(name)) max = Math.max(max, depthOf(fragment.selectionSet, new Set([...seen, name])));
      }
    }
    return max;
  };

  let deepest = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) deepest = Math.max(deepest, depthOf(d.selectionSet, new Set()));
  return deepest;
}

/** Refuses an operation deeper than `maximum` (its depth from queryDepth). */
export function checkDepth(depth: number, maximum: number): void {
  if (depth > maximum) {
    throw new AppError('BAD_USER_INPUT', `The query is ${depth} levels deep; the limit is ${maximum}`, { depth, limit: maximum });
  }
}
