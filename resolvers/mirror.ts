import type { IResolvers } from '@graphql-tools/utils';
import type { MirrorStatus } from '../src/mirror/mirror.js';
import type { Context } from './context.js';

export const mirrorResolvers: IResolvers<unknown, Context> = {
  Query: {
    mirrorStatus: (_p, _a, ctx) => ctx.services.mirror.status(ctx.viewer),
  },
  MirrorStatus: {
    oldestPendingAgeSeconds: (status: MirrorStatus) =>
      status.oldestPendingAt === null ? null : Math.max(0, Math.floor((Date.now() - Date.parse(status.oldestPendingAt)) / 1000)),
  },
};
