import type { FastifyInstance, FastifyReply } from 'fastify';
import { processRequest } from 'graphql-upload-minimal';
import mercurius from 'mercurius';
import type { Config } from '../config.js';
import type { Events } from '../events.js';
import type { Services } from '../app.js';
import type { Context } from '../../resolvers/context.js';
import { checkComplexity } from './complexity.js';
import { checkDepth } from './depth.js';
import { errorFormatter } from './errors.js';
import { createLoaders } from './loaders.js';
import { buildSchema } from './schema.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

declare module 'fastify' {
  interface FastifyRequest {
    isMultipart?: boolean;
  }
}

/** Token from a graphql-ws / subscriptions-transport-ws connection_init payload. */
function initToken(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const raw = p.token ?? p.authorization ?? p.Authorization;
  if (typeof raw !== 'string') return undefined;
  return raw.replace(/^Bearer\s+/i, '');
}

/** The GraphQL endpoint at /graphql: HTTP (GET and POST, multipart uploads) and WebSocket. */
export async function registerGraphql(app: FastifyInstance, services: Services, events: Events, config: Config): Promise<void> {
  // GraphQL multipart request protocol (file uploads), parsed before mercurius sees the body.
  app.addContentTypeParser('multipart/form-data', (request, _payload, done) => {
    request.isMultipart = true;
    done(null);
  });
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql') return;
    if (request.isMultipart) {
      // One byte over our limit, so readUpload can tell "too large" from a truncated file.
      request.body = await processRequest(request.raw, reply.raw, { maxFileSize: config.uploads.maxBytes + 1, maxFiles: config.uploads.maxFiles });
    }
    // The GraphQL-over-HTTP spec allows "extensions": null; mercurius would answer 400.
    const body = request.body as Record<string, unknown> | undefined;
    if (body && typeof body === 'object' && body.extensions === null) delete body.extensions;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url === '/graphql' && request.headers.accept?.includes(GRAPHQL_RESPONSE)) {
      reply.header('content-type', `${GRAPHQL_RESPONSE}; charset=utf-8`);
    }
    return payload;
  });

  await app.register(mercurius, {
    schema: buildSchema(),
    path: '/graphql',
    graphiql: false,
    // Compile a query with graphql-jit once it has run this often: execution dominates a page of 50.
    jit: 1,
    context: (request, reply): Omit<Context, never> => ({
      viewer: request.viewer,
      services,
      loaders: createLoaders(services, request.viewer),
      client: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
      cookies: app.sessionCookies(request, reply),
    }),
    errorFormatter: (execution, ctx) => {
      const reply = (ctx as { reply?: FastifyReply }).reply;
      return errorFormatter(execution, reply?.log ?? app.log, reply?.request.headers.accept?.includes(GRAPHQL_RESPONSE) ?? false);
    },
    subscription: {
      emitter: events.emitter,
      // Both graphql-transport-ws and the legacy subscriptions-transport-ws protocol.
      fullWsTransport: false,
      onConnect: ({ payload }) => {
        const token = initToken(payload);
        const viewer = token === undefined ? null : services.auth.authenticate(token, 'bearer');
        // Merged over the context below: the loaders read as the viewer the connection proved.
        return viewer === null ? false : { viewer, loaders: createLoaders(services, viewer) };
      },
      context: (_socket, request) => ({
        services,
        client: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
      }),
    },
  });
  // Hooks rather than validation rules: the cost depends on variables, mercurius's cache of parsed
  // and validated queries stays on, and depth can leave introspection out (mercurius's own
  // queryDepth counts it, and GraphiQL's schema query is 15 levels deep).
  app.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    checkDepth(document, config.graphql.maxDepth);
    checkComplexity(schema, document, variables ?? {}, config.graphql.maxComplexity);
  });
}
