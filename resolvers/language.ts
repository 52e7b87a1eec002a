import { randomUUID } from 'node:crypto';
import type { IResolvers } from '@graphql-tools/utils';
import type { ArchivusChunk, ChatRequest } from '../src/services/archivus.js';
import type { IntegrationProgress } from '../src/events.js';
import type { Context } from './context.js';
import { localId } from './ids.js';
import { upTo } from './until.js';

type SubscriptionContext = Context & { pubsub: { subscribe: (topic: string) => Promise<AsyncIterable<unknown>> } };

interface ChatArgs extends ChatRequest {
  artefactId: string;
}

/** A chunk, or the failure that ended the stream: delivered as a GraphQL error with its code. */
type ChunkEvent = { chunk: ArchivusChunk } | { error: unknown };

async function* withFailure(chunks: AsyncIterable<ArchivusChunk>): AsyncGenerator<ChunkEvent> {
  try {
    for await (const chunk of chunks) yield { chunk };
  } catch (error) {
    yield { error };
  }
}

/**
 * Aborts the model request once mercurius closes the subscription (the client unsubscribed or its
 * socket closed). Iterator `return` is no use here: it waits until a generator waiting on a silent
 * model gets its next piece. The subscription's own queue ends when mercurius closes it, so this
 * listens on a topic nothing is published to and aborts when that ends.
 */
async function abortOnClose(ctx: SubscriptionContext, controller: AbortController): Promise<void> {
  const closed = await ctx.pubsub.subscribe(`archivus.closed.${randomUUID()}`);
  for await (const _ of closed) {
    // Nothing is published on this topic.
  }
  controller.abort();
}

export const languageResolvers: IResolvers<unknown, Context> = {
  IntegrationProgress: {
    // Read afresh: a subscription's loaders live as long as its connection.
    batch: (p: IntegrationProgress, _a, ctx) => ctx.services.batches.byIds(ctx.viewer, [p.batchId])[0] ?? null,
    artefact: (p: IntegrationProgress, _a, ctx) => (p.artefactId === null ? null : ctx.services.artefacts.byId(ctx.viewer, p.artefactId)),
  },
  Mutation: {
    askArchivus: (_p, a: ChatArgs, ctx) =>
      ctx.services.archivus.ask(ctx.viewer, localId(a.artefactId, 'Artefact', 'artefactId'), { question: a.question, history: a.history }),
    confirmBatchArtefact: (_p, a: { batchId: string; artefactId: string }, ctx) =>
      ctx.services.integration.confirm(ctx.viewer, localId(a.batchId, 'Batch', 'batchId'), localId(a.artefactId, 'Artefact', 'artefactId')),
    startIntegration: (_p, a: { batchId: string }, ctx) => ctx.services.integration.start(ctx.viewer, localId(a.batchId, 'Batch', 'batchId')),
  },
  Subscription: {
    archivusAnswer: {
      subscribe: (_p: unknown, a: ChatArgs, ctx: SubscriptionContext) => {
        const controller = new AbortController();
        const chunks = ctx.services.archivus.stream(
          ctx.viewer,
          localId(a.artefactId, 'Artefact', 'artefactId'),
          { question: a.question, history: a.history },
          controller.signal,
        );
        void abortOnClose(ctx, controller);
        return withFailure(chunks);
      },
      resolve: (event: ChunkEvent) => {
        if ('error' in event) throw event.error;
        return event.chunk;
      },
    },
    integrationProgress: {
      subscribe: async (_p: unknown, a: { batchId: string }, ctx: SubscriptionContext) => {
        const topic = ctx.services.integration.progressTopic(ctx.viewer, localId(a.batchId, 'Batch', 'batchId'));
        return upTo(await ctx.pubsub.subscribe(topic), (p: { integrationProgress: IntegrationProgress }) => p.integrationProgress.finished);
      },
    },
  },
};
