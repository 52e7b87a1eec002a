import type { IResolvers } from '@graphql-tools/utils';
import type { Batch, BatchArtefact, BatchStage } from '../src/store/repositories/batches.js';
import { requireViewer } from '../src/services/viewer.js';
import { artefactConnection } from './catalogue.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { toGlobalId } from './ids.js';

export const batchResolvers: IResolvers<unknown, Context> = {
  Batch: {
    id: (b: Batch) => toGlobalId('Batch', b.id),
    createdBy: (b: Batch, _a, ctx) => (b.createdBy === null ? null : ctx.loaders.user.load(b.createdBy)),
    counts: (b: Batch, _a, ctx) => {
      const c = ctx.services.store.batches.statusCounts([b.id]).get(b.id) ?? {};
      const n = (k: keyof typeof c) => c[k] ?? 0;
      return {
        total: Object.values(c).reduce((s, v) => s + (v ?? 0), 0),
        unprocessed: n('UNPROCESSED'),
        processing: n('PROCESSING'),
        processed: n('PROCESSED'),
        failed: n('FAILED'),
        confirmed: n('CONFIRMED'),
        integrated: n('INTEGRATED'),
      };
    },
    artefacts: (b: Batch, args: ConnectionArgs, ctx) => artefactConnection(ctx, args, { batchId: b.id }),
  },
  BatchEntry: {
    batch: (e: BatchArtefact, _a, ctx) => ctx.loaders.batch.load(e.batchId),
  },
  Query: {
    batches: (_p, args: ConnectionArgs & { stage?: BatchStage | null; search?: string | null }, ctx) => {
      requireViewer(ctx.viewer);
      const l = ctx.services.store.batches.page(pageArgs(args), { stage: args.stage ?? null, search: args.search ?? null });
      return toConnection(l.page, l.count);
    },
  },
};
