import type { IResolvers } from '@graphql-tools/utils';
import type { ArtefactKind } from '../src/artefact-kind.js';
import type { Artefact } from '../src/store/repositories/artefacts.js';
import type { Batch, BatchArtefact, BatchStage } from '../src/store/repositories/batches.js';
import { endsProcessing, type IncomingFile } from '../src/services/batches.js';
import type { BatchProgressEvent } from '../src/events.js';
import type { ProcessingStep } from '../src/jobs/steps.js';
import { artefactConnection } from './catalogue.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { CREATION_ORDER, type ListOrder } from '../src/store/pagination.js';
import { localId, toGlobalId } from './ids.js';
import { upTo } from './until.js';
import type { UploadPromise } from './upload.js';

type PubSub = { pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> } };

/** Uploads become files received one at a time, streamed as they arrive. */
const incoming = (uploads: readonly UploadPromise[]): IncomingFile[] =>
  uploads.map((upload) => async () => {
    const file = await upload;
    return { filename: file.filename, content: file.createReadStream() };
  });

export const batchResolvers: IResolvers<unknown, Context> = {
  Batch: {
    id: (b: Batch) => toGlobalId('Batch', b.id),
    createdBy: (b: Batch, _a, ctx) => (b.createdBy === null ? null : ctx.loaders.user.load(b.createdBy)),
    counts: (b: Batch, _a, ctx) => {
      const c = ctx.services.batches.statusCounts(ctx.viewer, b.id);
      const n = (k: keyof typeof c) => c[k] ?? 0;
      return {
        total: Object.values(c).reduce((s, v) => s + (v ?? 0), 0),
        unprocessed: n('UNPROCESSED'),
        processing: n('PROCESSING'),
        processed: n('PROCESSED'),
        failed: n('FAILED'),
        confirmed: n('CONFIRMED'),
        integrated: n('INTEGRATED'),
        withFailedSteps: ctx.services.batches.withFailedSteps(ctx.viewer, b.id),
      };
    },
    artefacts: (b: Batch, args: ConnectionArgs, ctx) => artefactConnection(ctx, args, { batchId: b.id }),
  },
  BatchEntry: {
    batch: (e: BatchArtefact, _a, ctx) => ctx.loaders.batch.load(e.batchId),
    reprocessSteps: (e: BatchArtefact) => e.reprocessSteps ?? [],
    warning: (e: BatchArtefact, _a, ctx) => {
      const failed = ctx.services.batches.failedSteps(ctx.viewer, [e.artefactId]);
      if (failed.length === 0) return null;
      return `${failed.length} step${failed.length === 1 ? '' : 's'} failed: ${failed.map((f) => `${f.step.toLowerCase().replace('_', ' ')} (${f.code})`).join(', ')}`;
    },
  },
  Artefact: {
    failedSteps: (a: Artefact, _a, ctx) => ctx.services.batches.failedSteps(ctx.viewer, [a.id]),
  },
  BatchProgress: {
    batch: (e: BatchProgressEvent, _a, ctx) => ctx.loaders.batch.load(e.batchId),
    artefact: (e: BatchProgressEvent, _a, ctx) => (e.artefactId === null ? null : ctx.services.artefacts.byId(ctx.viewer, e.artefactId)),
  },
  Mutation: {
    createBatch: (_p, a: { name: string; files: UploadPromise[]; kind?: ArtefactKind | null }, ctx) =>
      ctx.services.batches.create(ctx.viewer, a.name, incoming(a.files), a.kind ?? null),
    addToBatch: (_p, a: { batchId: string; files: UploadPromise[]; kind?: ArtefactKind | null }, ctx) =>
      ctx.services.batches.addFiles(ctx.viewer, localId(a.batchId, 'Batch', 'batchId'), incoming(a.files), a.kind ?? null),
    startBatch: (_p, a: { batchId: string }, ctx) => ctx.services.batches.start(ctx.viewer, localId(a.batchId, 'Batch', 'batchId')),
    cancelBatch: (_p, a: { batchId: string }, ctx) => ctx.services.batches.cancel(ctx.viewer, localId(a.batchId, 'Batch', 'batchId')),
    reprocessArtefacts: (_p, a: { artefactIds: string[]; steps?: ProcessingStep[] | null }, ctx) =>
      ctx.services.batches.reprocess(
        ctx.viewer,
        a.artefactIds.map((id) => localId(id, 'Artefact', 'artefactIds')),
        a.steps ?? [],
      ),
    retryFailedSteps: (_p, a: { batchId: string }, ctx) => ctx.services.batches.retryFailedSteps(ctx.viewer, localId(a.batchId, 'Batch', 'batchId')),
    deleteBatch: async (_p, a: { batchId: string }, ctx) => {
      await ctx.services.batches.delete(ctx.viewer, localId(a.batchId, 'Batch', 'batchId'));
      return a.batchId;
    },
  },
  Subscription: {
    batchProgress: {
      // The snapshot first, then live events: a client that subscribes late misses nothing. It
      // completes when the batch moves to a stage processing ends at; a batch already there may
      // still be reprocessed, so the snapshot alone never ends it.
      subscribe: async function* (_p: unknown, a: { batchId: string }, ctx: Context & PubSub) {
        const id = localId(a.batchId, 'Batch', 'batchId');
        const live = await ctx.pubsub.subscribe(ctx.services.batches.progressTopic(ctx.viewer, id));
        yield { batchProgress: ctx.services.batches.progressSnapshot(ctx.viewer, id) };
        yield* upTo(live, (e: { batchProgress: BatchProgressEvent }) => endsProcessing(e.batchProgress));
      },
    },
  },
  Query: {
    uploadLimits: (_p, _a, ctx) => ctx.services.batches.uploadLimits(ctx.viewer),
    batches: (_p, args: ConnectionArgs & { stage?: BatchStage | null; search?: string | null; orderBy?: ListOrder | null }, ctx) => {
      const l = ctx.services.batches.page(ctx.viewer, pageArgs(args), { stage: args.stage ?? null, search: args.search ?? null }, args.orderBy ?? CREATION_ORDER);
      return toConnection(l.page, l.count);
    },
  },
};
