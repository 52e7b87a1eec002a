import type { IResolvers } from '@graphql-tools/utils';
import { requireViewer } from '../src/auth/viewer.js';
import type { Context } from './context.js';
import { parseGlobalId } from './ids.js';

type Typed = { __typename: string };

/** Loads any node by global id through the request's loaders; null when it does not exist. */
async function loadNode(ctx: Context, globalId: string): Promise<Typed | null> {
  const parsed = parseGlobalId(globalId);
  if (parsed === null) return null;
  const { type, id } = parsed;
  const { loaders, services } = ctx;
  const finders: Record<string, () => Promise<object | null> | object | undefined> = {
    User: () => loaders.user.load(id),
    Artefact: () => loaders.artefact.load(id),
    Category: () => loaders.category.load(id),
    Book: () => loaders.book.load(id),
    Figure: () => loaders.figure.load(id),
    Face: () => services.store.figures.facesByIds([id])[0],
    FigureChange: () => services.store.figureChanges.byIds([id])[0],
    Batch: () => loaders.batch.load(id),
    Trace: () => services.store.traces.byIds([id])[0],
  };
  const found = await finders[type]?.();
  return found == null ? null : { ...found, __typename: type };
}

export const nodeResolvers: IResolvers<unknown, Context> = {
  Node: {
    __resolveType: (n: Typed) => n.__typename,
  },
  Query: {
    node: (_p, args: { id: string }, ctx) => {
      requireViewer(ctx.viewer);
      return loadNode(ctx, args.id);
    },
    nodes: (_p, args: { ids: string[] }, ctx) => {
      requireViewer(ctx.viewer);
      return Promise.all(args.ids.map((id) => loadNode(ctx, id)));
    },
  },
};
