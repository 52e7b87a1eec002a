import { createClient } from 'graphql-ws';
import sharp from 'sharp';
import WebSocket from 'ws';
import type { ArtefactKind } from '../../src/artefact-kind.js';
import type { FieldWrite } from '../../src/store/repositories/artefacts.js';
import type { BatchArtefactStatus } from '../../src/store/repositories/batches.js';
import type { Store } from '../../src/store/store.js';
import { toGlobalId } from '../../resolvers/ids.js';
import { startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';
import { startServer, type TestServer } from '../support/server.js';

export const CHAT_MODEL = 'test-chat';
export const SORT_MODEL = 'test-sort';

/**
 * A server whose `chat` and `categorise` tasks go to a Chat Completions double on loopback; given
 * `again`, the server starts over an earlier one's data and double (a restart).
 */
export async function serverWithModels(again?: { double: OpenAiDouble; dataDir: string }): Promise<{ s: TestServer; double: OpenAiDouble }> {
  const double = again?.double ?? (await startOpenAiDouble());
  const s = await startServer({
    LLM_CLIENTS: 'double',
    LLM_DOUBLE_BASE_URL: double.baseUrl,
    LLM_TASK_CHAT: `double:${CHAT_MODEL}`,
    LLM_TASK_CATEGORISE: `double:${SORT_MODEL}`,
    LLM_MAX_RETRIES: '1',
    LLM_RETRY_BASE_MS: '1',
    LLM_MAX_ANSWER_ATTEMPTS: '3',
  }, again?.dataDir);
  return { s, double };
}

let image: Promise<string> | undefined;

export interface SeedArtefact {
  kind: ArtefactKind | null;
  name?: string;
  fields?: Partial<Record<FieldWrite['field'], string>>;
}

/** An artefact with machine-written fields on a small generated image. */
export async function seedArtefact(store: Store, a: SeedArtefact): Promise<string> {
  image ??= sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 90, g: 120, b: 150 } } })
    .png()
    .toBuffer()
    .then(async (png) => (await store.files.putImage(png)).sha256);
  const artefact = store.artefacts.create({
    name: a.name ?? `${a.kind ?? 'unknown'} artefact`,
    originalFilename: null,
    fileSha256: await image,
    kind: a.kind,
    kindSource: a.kind === null ? null : 'CLASSIFIER',
    kindConfidence: a.kind === null ? null : 0.9,
    createdBy: null,
  });
  store.artefacts.writeFields(
    artefact.id,
    Object.entries(a.fields ?? {}).map(([field, value]) => ({ field: field as FieldWrite['field'], value, origin: 'MACHINE', step: 'seed', model: 'seed' })),
  );
  return artefact.id;
}

/** A batch being vetted, its artefacts in order with the given statuses. */
export async function seedBatch(
  store: Store,
  items: ReadonlyArray<SeedArtefact & { status?: BatchArtefactStatus }>,
): Promise<{ batchId: string; artefactIds: string[] }> {
  const batch = store.batches.create({ name: 'Vetted batch', createdBy: null });
  const artefactIds: string[] = [];
  for (const item of items) {
    const id = await seedArtefact(store, item);
    store.batches.addArtefact(batch.id, id);
    store.batches.setEntryStatus(batch.id, id, item.status ?? 'CONFIRMED', { step: null, errorCode: null, errorMessage: null });
    artefactIds.push(id);
  }
  store.batches.setStage(batch.id, 'VETTING');
  return { batchId: batch.id, artefactIds };
}

export const gid = {
  artefact: (id: string) => toGlobalId('Artefact', id),
  batch: (id: string) => toGlobalId('Batch', id),
};

export interface Subscription<T> {
  /** Every event until the server completes the subscription. */
  events: Promise<T[]>;
  dispose(): Promise<void>;
}

/** Subscribes over graphql-transport-ws; `events` settles when the server completes the stream, or rejects on an error. */
export function subscribe<T>(s: TestServer, token: string, query: string, variables: Record<string, unknown>): Subscription<T> {
  const client = createClient({
    url: `${s.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const received: T[] = [];
  const events = new Promise<T[]>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) reject(new Error(JSON.stringify(value.errors)));
          else received.push(value.data as T);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(received),
      },
    );
  });
  return { events, dispose: () => client.dispose() };
}

/** Lets a subscription register on the server before the event it waits for happens. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));
