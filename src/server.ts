import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync } from 'node:fs';
import type { Config } from './config.js';
import { authentication } from './http/authentication.js';
import { registerFiles } from './http/files.js';
import { registerGraphiql } from './http/graphiql.js';
import { registerGraphql } from './http/graphql.js';
import { registerHealth, type ReadinessCheck } from './http/health.js';
import { createServices, type Services } from './services/container.js';
import { Store } from './store/store.js';

export interface Server {
  app: FastifyInstance;
  services: Services;
  /** Where the generated superuser password was written at this boot, if it was. */
  superuserPasswordFile: string | null;
}

/**
 * Builds the whole server on one store: GraphQL (HTTP and WebSocket), GraphiQL, image files and
 * health checks. Closing the app closes the store, the event bus and the mailer.
 */
export async function buildServer(config: Config, extraReadiness: Record<string, ReadinessCheck> = {}): Promise<Server> {
  mkdirSync(config.dataDir, { recursive: true });
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
    },
    trustProxy: config.trustProxy,
  });
  const store = new Store(config.dataDir, config.uploads);
  const services = createServices(config, store, (message, error) => app.log.warn({ err: error }, message));
  app.addHook('onClose', async () => {
    services.mailer.close();
    await services.events.close();
    store.close();
  });

  const { passwordFile } = await services.users.ensureSuperuser();
  if (passwordFile !== null) app.log.warn(`Created the superuser "${config.superuser.username}"; its password is in ${passwordFile} (mode 0600)`);
  store.sessions.prune();

  await app.register(cookie);
  await app.register(authentication, { services, config });
  await registerGraphql(app, services, config);
  if (config.graphql.graphiql) await registerGraphiql(app);
  await registerFiles(app, store);
  await registerHealth(app, {
    database: () => ({ ok: store.ping() }),
    ...extraReadiness,
  });
  return { app, services, superuserPasswordFile: passwordFile };
}
