import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { authentication } from './http/authentication.js';
import { registerFiles } from './http/files.js';
import { registerGraphiql } from './http/graphiql.js';
import { registerGraphql } from './http/graphql.js';
import { registerHealth, type ReadinessCheck } from './http/health.js';
import { ModelStore } from './model-store/store.js';
import { artefactModelPaths } from './pipelines/artefact/models.js';
import { DEFAULT_MATCH_THRESHOLDS } from './pipelines/faces/match.js';
import { createServices, type Services } from './services/container.js';
import { IdentificationService } from './services/identification.js';
import { TraceWriter } from './tracing/trace-writer.js';
import { LlmInterface } from './llm/llm-interface.js';
import { LanguageStages } from './services/language-stages.js';
import { ProcessingPipeline } from './services/processing-pipeline.js';
import { Store } from './store/store.js';

export interface Server {
  app: FastifyInstance;
  services: Services;
  models: ModelStore;
  /** Where the generated superuser password was written at this boot, if it was. */
  superuserPasswordFile: string | null;
}

/**
 * Builds the whole server on one store: GraphQL (HTTP and WebSocket), GraphiQL, image files and
 * health checks. Closing the app closes the store, the event bus and the mailer.
 */
export async function buildServer(config: Config, extraReadiness: Record<string, ReadinessCheck> = {}): Promise<Server> {
  mkdirSync(config.dataDir, { recursive: true });
  // First, before anything listens: a required model that is missing or corrupt stops the boot
  // with an AppError naming it and how to get it.
  const models = await ModelStore.open({ cacheDir: path.join(config.dataDir, 'models') });
  await models.ensureRequired();
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
    },
    trustProxy: config.trustProxy,
  });
  const store = new Store(config.dataDir, config.uploads);
  const traces = new TraceWriter(store.traces);
  const llm = new LlmInterface(config.llm);
  const pipeline = new ProcessingPipeline(
    store,
    await artefactModelPaths(models),
    config.workers,
    traces,
    new IdentificationService(store, { thresholds: DEFAULT_MATCH_THRESHOLDS, llmConfigured: false }),
    new LanguageStages(store, llm),
  );
  const services = createServices(config, store, (message, error) => app.log.warn({ err: error }, message), pipeline, traces, llm);
  app.addHook('onClose', async () => {
    await services.processor.close();
    await services.integration.close();
    // After the processor: its running artefacts have finished, so no inference is cut off.
    await pipeline.close();
    traces.close();
    services.mailer.close();
    await services.events.close();
    store.close();
  });

  const { passwordFile } = await services.users.ensureSuperuser();
  if (passwordFile !== null) app.log.warn(`Created the superuser "${config.superuser.username}"; its password is in ${passwordFile} (mode 0600)`);
  store.sessions.prune();
  for (const m of await models.verifyAll({ download: false })) {
    store.models.upsert({ name: m.name, task: m.task, status: m.status, sha256: m.sha256, licence: m.licence, source: m.source, detail: m.message });
  }

  await app.register(cookie);
  await app.register(authentication, { services, config });
  await registerGraphql(app, services, config);
  services.processor.start();
  if (config.graphql.graphiql) await registerGraphiql(app);
  await registerFiles(app, store);
  await registerHealth(app, {
    database: () => ({ ok: store.ping() }),
    models: async () => {
      const failing = (await models.verifyAll({ download: false })).filter((m) => m.required && m.status !== 'ok');
      return failing.length === 0 ? { ok: true } : { ok: false, detail: failing.map((m) => `${m.name}: ${m.status}`).join(', ') };
    },
    ...extraReadiness,
  });
  return { app, services, models, superuserPasswordFile: passwordFile };
}
