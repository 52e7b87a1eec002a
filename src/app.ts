import type { EventEmitter } from 'node:events';
import path from 'node:path';
import type { MQEmitter } from 'mqemitter';
import mqemitterRedis from 'mqemitter-redis';
import { ReadCache } from './cache/read-cache.js';
import type { Config } from './config.js';
import { Events } from './events.js';
import { ExportUrls } from './export/urls.js';
import { FaceIdentifier } from './jobs/face-identifier.js';
import { IntegrateArtefact } from './jobs/integrate-artefact.js';
import { ProcessArtefact } from './jobs/process-artefact.js';
import { ReembedFaces } from './jobs/reembed-faces.js';
import { ForwardedQueue } from './jobs/forwarded-queue.js';
import { JobQueue, type Log } from './jobs/queue.js';
import { ResultWriter } from './jobs/results.js';
import { LanguageStages } from './llm/language-stages.js';
import { LlmInterface } from './llm/llm-interface.js';
import { Mailer } from './mail/mailer.js';
import { Mirror } from './mirror/mirror.js';
import { ModelStore } from './model-store/store.js';
import { artefactModelPaths } from './pipelines/artefact/engines.js';
import { sharedFaceEmbedder } from './pipelines/faces/embed.js';
import { ArchivusService } from './services/archivus.js';
import { ArchivusQuota } from './services/archivus-quota.js';
import { ArtefactFields } from './services/artefact-fields.js';
import { ArtefactService } from './services/artefacts.js';
import { AuditService } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { BatchService } from './services/batches.js';
import { CatalogueReads } from './services/catalogue-reads.js';
import { ChangeRecorder } from './services/changes.js';
import { ExportService } from './services/exports.js';
import { CollectionService } from './services/collections.js';
import { FigureService } from './services/figures.js';
import { IntegrationService } from './services/integration.js';
import { MaintenanceService } from './services/maintenance.js';
import { MirrorStatusService } from './services/mirror-status.js';
import { Overlays } from './services/overlays.js';
import { ModelStatusService } from './services/model-status.js';
import { NodeService } from './services/nodes.js';
import { TraceService } from './services/traces.js';
import { UserService } from './services/users.js';
import { prepareDataDir } from './data-dir.js';
import { Store } from './store/store.js';
import { TraceWriter } from './tracing/trace-writer.js';
import { createArtefactPool } from '../workers/artefact-pool.js';
import { RemoteArtefactPool } from '../workers/remote-pool.js';
import { startRemoteWorker } from '../workers/remote-worker.js';

export type { Log } from './jobs/queue.js';

export interface AppOptions {
  /** Where warnings about background work go (the server passes its logger). */
  log?: Log;
  /** Worker threads; WORKERS from the configuration when absent. */
  poolSize?: number;
}

/**
 * The one composition root: every object the server, the CLIs and the benchmarks use is built here,
 * once, from the configuration, over one store. Required models are verified first: a missing or
 * corrupt one stops it with an AppError naming the model and how to get it.
 */
export async function createApp(config: Config, options: AppOptions = {}) {
  const log = options.log ?? ((message: string, error: unknown) => console.warn(message, error));
  const models = await openModels(config);
  const store = new Store(config.dataDir, config.uploads);
  for (const m of await models.verifyAll({ download: false })) {
    store.models.upsert({ name: m.name, task: m.task, status: m.status, sha256: m.sha256, licence: m.licence, source: m.source, detail: m.message });
  }
  // With Redis, every API instance hears every event (subscriptions, invalidations, queue commands).
  const events = new Events(config.redis === undefined ? undefined : redisEmitter(config.redis.url, log));
  const traces = new TraceWriter(store.traces, (event) => events.traceEvent(event));
  const llm = new LlmInterface(config.llm);
  const audit = new AuditService(store.audit);
  const mailer = new Mailer(config.smtp);
  const cache = new ReadCache(config.cache);
  if (config.redis !== undefined) cache.share(events);
  const changes = new ChangeRecorder(audit, cache, events);
  const fields = new ArtefactFields(store);

  const paths = await artefactModelPaths(models);
  const poolSize = options.poolSize ?? config.workers;
  const faces = new FaceIdentifier(store);
  const redis = config.redis;
  const process = new ProcessArtefact(
    // Where inference runs; with Redis, on the `npm run worker` processes (WORKERS is then how many
    // artefacts this instance has in flight there).
    redis === undefined ? () => createArtefactPool(paths, poolSize) : () => new RemoteArtefactPool(redis.url, log),
    store,
    traces,
    new ResultWriter(store, fields, faces),
    new LanguageStages(store.files, fields, store.stepFailures, llm),
  );
  // Re-embedding old faces runs here, not in the pool: it is one-off, and the embedder is loaded only when there is any.
  const reembed = new ReembedFaces(store, traces, () => sharedFaceEmbedder(paths.faceEmbedder));
  const queue = new JobQueue(store, events, cache, traces, { process, integrate: new IntegrateArtefact(store, llm, changes), reembed }, poolSize, log);
  // One instance runs the queue (the server starts it on the primary only); a secondary forwards to
  // it what its services queued.
  const control = config.role === 'secondary' ? new ForwardedQueue(queue, store, events) : queue;
  if (config.role === 'primary' && config.redis !== undefined) events.onQueueCommand((c) => (c.command === 'wake' ? queue.wake() : queue.cancel(c.batchId)));

  // Follows every committed change to Firebase when FIREBASE_* are set; the server starts it.
  const mirror = new Mirror(config.mirror, store, log);

  // Use cases only: the GraphQL edge reaches the store, the queue and the bus through these.
  const services = {
    audit,
    reads: new CatalogueReads(store, cache),
    auth: new AuthService(store, audit, mailer, config, log, events),
    users: new UserService(store, audit, mailer, config, log, events),
    artefacts: new ArtefactService(store, fields, changes),
    collections: new CollectionService(store, changes),
    figures: new FigureService(store, changes),
    archivus: new ArchivusService(store, llm, traces, new ArchivusQuota(config.llm.archivus)),
    integration: new IntegrationService(store, changes, control),
    batches: new BatchService(store, changes, control, config.uploads.maxFiles),
    traces: new TraceService(store),
    modelStatus: new ModelStatusService(store),
    overlays: new Overlays(store),
    nodes: new NodeService(),
    maintenance: new MaintenanceService(store, audit),
    mirror: new MirrorStatusService(mirror),
    exports: new ExportService(store, config.publicExports, new ExportUrls(config.publicUrl)),
  };

  return {
    config,
    models,
    store,
    traces,
    events,
    cache,
    services,
    jobs: { queue, process, faces },
    mirror,
    /** Stops the background work (running artefacts finish their step), then closes everything. */
    async close(): Promise<void> {
      await queue.close();
      // After the queue: its running artefacts have finished, so no inference is cut off.
      await process.close();
      traces.close();
      mailer.close();
      await events.close();
      await mirror.close();
      store.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;

/** The event bus over Redis pub/sub, its connection errors logged (unheard, one would end the process); ioredis reconnects. */
function redisEmitter(url: string, log: Log): MQEmitter {
  const emitter = mqemitterRedis({ connectionString: url });
  // Declared by mqemitter-redis's code but not by its types.
  (emitter as unknown as { state: EventEmitter }).state.on('error', (error: unknown) => log('event bus: Redis error', error));
  return emitter;
}

/** The model store under DATA_DIR, with the required models verified. */
async function openModels(config: Config): Promise<ModelStore> {
  // Only the server's user may read the database, the images and the generated password.
  prepareDataDir(config.dataDir);
  const models = await ModelStore.open({ cacheDir: path.join(config.dataDir, 'models') });
  await models.ensureRequired();
  return models;
}

/**
 * What `npm run worker` runs: this machine's inference threads (WORKERS) taking the artefact jobs
 * the primary API instance queues on Redis. No database: DATA_DIR holds only the models.
 */
export async function createWorker(config: Config, redis: NonNullable<Config['redis']>) {
  const pool = createArtefactPool(await artefactModelPaths(await openModels(config)), config.workers);
  const worker = startRemoteWorker(pool, { url: redis.url, concurrency: pool.size, lockMs: redis.lockMs });
  await worker.waitUntilReady();
  return {
    worker,
    /** Finishes the jobs in hand, then stops the threads. */
    async close(): Promise<void> {
      await worker.close();
      await pool.close();
    },
  };
}
export type Services = App['services'];
