import type { IResolvers } from '@graphql-tools/utils';
import type { TraceLevel } from '../src/tracing/tracer.js';
import type { Trace } from '../src/store/repositories/traces.js';
import { pageArgs, toConnection, type ConnectionArgs } from './connection.js';
import type { Context } from './context.js';
import { optionalLocalId, toGlobalId } from './ids.js';

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
