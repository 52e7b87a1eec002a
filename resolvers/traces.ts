import type { IResolvers } from '@graphql-tools/utils';
import type { TraceEvent } from '../src/events.js';
import type { TraceLevel } from '../src/tracing/tracer.js';
import type { Trace } from '../src/store/repositories/traces.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { optionalLocalId, toGlobalId } from './ids.js';

type PubSub = { pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> } };

interface TraceEventArgs {
  batchId?: string | null;
  artefactId?: string | null;
  level?: TraceLevel | null;
  afterSeq?: number | null;
}

export const traceResolvers: IResolvers<unknown, Context> = {
  Trace: {
    id: (t: Trace) => toGlobalId('Trace', t.id),
    artefact: (t: Trace, _a, ctx) => (t.artefactId === null ? null : ctx.loaders.artefact.load(t.artefactId)),
    batch: (t: Trace, _a, ctx) => (t.batchId === null ? null : ctx.loaders.batch.load(t.batchId)),
    reports: (t: Trace, args: ConnectionArgs & { level?: TraceLevel | null }, ctx) => {
      const l = ctx.services.traces.reports(ctx.viewer, t.id, pageArgs(args), { level: args.level ?? null });
      return toConnection(l.page, l.count);
    },
  },
  TraceEvent: {
    // Read afresh: a subscription's loaders live as long as its connection.
    batch: (e: TraceEvent, _a, ctx) => ctx.services.batches.byIds(ctx.viewer, [e.batchId])[0] ?? null,
  },
  Subscription: {
    traceEvents: {
      // Subscribed before the snapshot is read, so nothing written in between is lost; what the
      // snapshot already holds is not sent twice.
      subscribe: async function* (_p: unknown, a: TraceEventArgs, ctx: Context & PubSub) {
        const scope = ctx.services.traces.eventScope(ctx.viewer, {
          batchId: optionalLocalId(a.batchId, 'Batch', 'batchId'),
          artefactId: optionalLocalId(a.artefactId, 'Artefact', 'artefactId'),
          level: a.level ?? null,
          afterSeq: a.afterSeq ?? null,
        });
        const live = await ctx.pubsub.subscribe(scope.topic);
        const snapshot = ctx.services.traces.eventSnapshot(ctx.viewer, scope);
        for (const event of snapshot) yield { traceEvents: event };
        const snapshotSeq = snapshot.at(-1)?.seq ?? 0;
        for await (const payload of live) {
          const event = ctx.services.traces.liveEvent(ctx.viewer, scope, snapshotSeq, (payload as { traceEvents: TraceEvent }).traceEvents);
          if (event !== null) yield { traceEvents: event };
        }
      },
    },
  },
  Query: {
    traces: (_p, args: ConnectionArgs & { artefactId?: string | null; batchId?: string | null }, ctx) => {
      const l = ctx.services.traces.page(ctx.viewer, pageArgs(args), {
        artefactId: optionalLocalId(args.artefactId, 'Artefact', 'artefactId'),
        batchId: optionalLocalId(args.batchId, 'Batch', 'batchId'),
      });
      return toConnection(l.page, l.count);
    },
    models: (_p, _a, ctx) => ctx.services.modelStatus.list(ctx.viewer),
  },
};
