import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { createApp, type App, type Services } from './app.js';
import type { Config } from './config.js';
import { authentication } from './http/authentication.js';
import { registerCors } from './http/cors.js';
import { isGraphqlErrors } from './http/errors.js';
import { registerExports } from './http/exports.js';
import { registerFiles } from './http/files.js';
import { registerGraphiql } from './http/graphiql.js';
import { registerGraphql } from './http/graphql.js';
import { fileUrlSecret, SignedUrls } from './http/signed-urls.js';
import { registerHealth, type ReadinessCheck } from './http/health.js';
import { Origins } from './http/origins.js';
import { requestLog } from './http/request-log.js';
import { registerTraceViewer } from './http/trace-viewer.js';
import { scheduleFileCollection } from './store/file-collection.js';
import type { ModelStore } from './model-store/store.js';

// pino's number for the error level.
const ERROR_LEVEL = 50;
/** How long closing waits for responses still being sent before it cuts their connections. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface Server {
  app: FastifyInstance;
  services: Services;
  models: ModelStore;
  /** Everything the composition root built (jobs, traces, store). */
  core: App;
  /** Where the generated superuser password was written at this boot, if it was. */
  superuserPasswordFile: string | null;
}

/**
 * Builds the HTTP server over the application: GraphQL (HTTP and WebSocket), GraphiQL, image files
 * and health checks. Closing the server closes the application.
 */
export async function buildServer(config: Config, extraReadiness: Record<string, ReadinessCheck> = {}): Promise<Server> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
      serializers: { req: requestLog },
      hooks: {
        logMethod(args, method, level) {
          // mercurius logs the errors of a subscription whose variables do not fit it at error
          // level; they are the client's mistake, and a client must not fill the error log.
          if (level >= ERROR_LEVEL && isGraphqlErrors(args[0])) return this.info({ errors: args[0] }, 'subscription refused: its variables do not fit');
          method.apply(this, args);
        },
      },
    },
    trustProxy: config.trustProxy,
  });
  // Closing waits for requests in flight, but a client that stopped reading a response (a download
  // left half-read) would hold it forever: after a grace period their connections are cut.
  app.addHook('preClose', (done) => {
    setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    done();
  });
  // First, before anything listens: a required model that is missing or corrupt stops the boot.
  const core = await createApp(config, { log: (message, error) => app.log.warn({ err: error }, message) });
  const { services, models, store } = core;
  app.addHook('onClose', () => core.close());

  const { passwordFile } = await services.users.ensureSuperuser();
  if (passwordFile !== null) app.log.warn(`Created the superuser "${config.superuser.username}"; its password is in ${passwordFile} (mode 0600)`);
  store.sessions.prune();

  const origins = new Origins(config.publicUrl, config.corsOrigins);
  await app.register(cookie);
  await registerCors(app, origins);
  await app.register(authentication, { services, config, origins });
  const urls = new SignedUrls(await fileUrlSecret(config.dataDir, config.fileUrls.secret), config.fileUrls.ttlMs);
  await registerGraphql(app, services, core.events, config, origins, urls);
  // Background work over the database belongs to one instance, the primary (README, Topology).
  if (config.role === 'primary') {
    core.jobs.queue.start();
    await core.mirror.start();
    const stopFileCollection = scheduleFileCollection(store.files, config.fileRetentionMs, (message) => app.log.info(message));
    app.addHook('onClose', stopFileCollection);
  }
  if (config.graphql.graphiql) await registerGraphiql(app);
  await registerTraceViewer(app);
  await registerFiles(app, { store, overlays: services.overlays, urls });
  await registerExports(app, services.exports, { adminEmail: config.superuser.email });
  await registerHealth(app, {
    database: () => ({ ok: store.ping() }),
    models: async () => {
      const failing = (await models.verifyAll({ download: false })).filter((m) => m.required && m.status !== 'ok');
      return failing.length === 0 ? { ok: true } : { ok: false, detail: failing.map((m) => `${m.name}: ${m.status}`).join(', ') };
    },
    ...extraReadiness,
  });
  return { app, services, models, core, superuserPasswordFile: passwordFile };
}
