import type { IResolvers } from '@graphql-tools/utils';
import type { Context } from './context.js';

export const systemResolvers: IResolvers<unknown, Context> = {
  Query: {
    maintenance: (_p, _a, ctx) => ctx.services.maintenance.status(),
  },
  Mutation: {
    setMaintenance: (_p, args: { on: boolean; message?: string | null }, ctx) => ctx.services.maintenance.set(ctx.viewer, args.on, args.message ?? null),
  },
};
