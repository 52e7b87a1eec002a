import type { IResolvers } from '@graphql-tools/utils';
import type { Loaders } from '../src/http/loaders.js';
import type { Context } from './context.js';
import { parseGlobalId } from './ids.js';

type Typed = { __typename: string };

/** Loads one node by type and local id through the request's loaders; null when it does not exist. */
async function loadNode(loaders: Loaders, { type, id }: { type: string; id: string }): Promise<Typed | null> {
  const finders: Record<string, () => Promise<object | null>> = {
    User: () => loaders.user.load(id),
    Artefact: () => loaders.artefact.load(id),
    Category: () => loaders.category.load(id),
    Book: () => loaders.book.load(id),
    Figure: () => loaders.figure.load(id),
    Face: () => loaders.face.load(id),
    FigureChange: () => loaders.figureChange.load(id),
    Batch: () => loaders.batch.load(id),
    Trace: () => loaders.trace.load(id),
  };
  const found = await finders[type]?.();
  return found == null ? null : { ...found, __typename: type };
}

export const nodeResolvers: IResolvers<unknown, Context> = {
  Node: {
    __resolveType: (n: Typed) => n.__typename,
  },
  Query: {
    node: async (_p, args: { id: string }, ctx) => {
      const [found] = await ctx.services.nodes.load(ctx.viewer, [parseGlobalId(args.id)], (ref) => loadNode(ctx.loaders, ref));
      return found ?? null;
    },
    nodes: (_p, args: { ids: string[] }, ctx) => ctx.services.nodes.load(ctx.viewer, args.ids.map(parseGlobalId), (ref) => loadNode(ctx.loaders, ref)),
  },
};
