import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError, validate } from 'graphql';
import { processRequest } from 'graphql-upload-minimal';
import mercurius from 'mercurius';
import type { Config } from '../config.js';
import type { Events } from '../events.js';
import type { Services } from '../app.js';
import type { Context } from '../../resolvers/context.js';
import { errorFormatter } from './errors.js';
import { checkLimits } from './limits.js';
import { createLoaders } from './loaders.js';
import { refuseChangesInMaintenance } from './maintenance-gate.js';
import type { Origins } from './origins.js';
import { checkNotJson, checkPost } from './request-body.js';
import { registerResponseCache } from './response-cache.js';
import { buildSchema } from './schema.js';
import { linksFor, type SignedUrls } from './signed-urls.js';
import { SocketSessions, type SocketContext, type WsConnection } from './socket-sessions.js';
import { gateSubscriptions, operationDocument, refuseSubscriptionOverHttp, sentVariables } from './subscription-gate.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

declare module 'fastify' {
  interface FastifyRequest {
    isMultipart?: boolean;
  }
}

/** The GraphQL endpoint at /graphql: HTTP (GET and POST, multipart uploads) and WebSocket. */
export async function registerGraphql(app: FastifyInstance, services: Services, events: Events, config: Config, origins: Origins, urls: SignedUrls): Promise<void> {
  // Absolute URLs on PUBLIC_URL, or on the address the request came to.
  const links = (request: FastifyRequest) => linksFor(urls, config.fileUrls.baseUrl ?? `${request.protocol}://${request.host}`);
  // GraphQL multipart request protocol (file uploads), parsed before mercurius sees the body.
  app.addContentTypeParser('multipart/form-data', (request, _payload, done) => {
    request.isMultipart = true;
    done(null);
  });
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql' || request.method !== 'POST') return;
    if (request.isMultipart) {
      // One byte over our limit, so readUpload can tell "too large" from a truncated file.
      request.body = await processRequest(request.raw, reply.raw, { maxFileSize: config.uploads.maxBytes + 1, maxFiles: config.uploads.maxFiles });
    }
    checkPost(request.headers['content-type'], request.body);
    // The GraphQL-over-HTTP spec allows "extensions": null; mercurius would answer 400.
    const body = request.body as Record<string, unknown>;
    if (body.extensions === null) delete body.extensions;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url === '/graphql' && request.headers.accept?.includes(GRAPHQL_RESPONSE)) {
      reply.header('content-type', `${GRAPHQL_RESPONSE}; charset=utf-8`);
    }
    return payload;
  });

  const sockets = new SocketSessions(services.auth, events, (viewer) => createLoaders(services, viewer), origins);
  // Each new subscription reads its session again and passes the same limits as an operation over HTTP.
  const schema = gateSubscriptions(
    buildSchema(),
    (context, info) => {
      sockets.recheck(context as SocketContext);
      checkLimits(info.schema, operationDocument(info), sentVariables(info), config.graphql, info.operation.name?.value);
    },
    app.log,
  );
  // Responses hold signed file URLs: one per base address and signing window, each good for a window more.
  const storeOnlyWithoutErrors = registerResponseCache(app, schema, services.reads, (request) => links(request).file('/'));

  await app.register(mercurius, {
    schema,
    path: '/graphql',
    graphiql: false,
    // Compile a query with graphql-jit once it has run this often: execution dominates a page of 50.
    jit: 1,
    context: (request, reply): Omit<Context, never> => ({
      viewer: request.viewer,
      services,
      loaders: createLoaders(services, request.viewer),
      client: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
      links: links(request),
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
      // Merged over the context below: the loaders read as the viewer the connection proved.
      onConnect: function (this: WsConnection, { payload }: { payload: unknown }) {
        return sockets.connect(this, payload);
      },
      context: (_socket, request) => ({
        services,
        client: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
        links: links(request),
      }),
    },
  });
  app.graphql.addHook('preParsing', async (_schema, source) => checkNotJson(source));
  app.graphql.addHook('onResolution', storeOnlyWithoutErrors);
  // mercurius does not validate a subscription's document; refused here, before it subscribes.
  app.graphql.addHook('preSubscriptionExecution', async (hookSchema, document) => {
    const errors = validate(hookSchema, document);
    if (errors.length > 0) throw new GraphQLError(errors.map((e) => e.message).join('; '), { extensions: { code: 'BAD_USER_INPUT' } });
  });
  // Hooks rather than validation rules: the cost depends on variables, mercurius's cache of parsed
  // and validated queries stays on, and depth can leave introspection out (mercurius's own
  // queryDepth counts it, and GraphiQL's schema query is 15 levels deep).
  app.graphql.addHook('preExecution', async (schema, document, _context, variables) => {
    checkLimits(schema, document, variables ?? {}, config.graphql);
  });
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    const request = (context as { reply?: FastifyReply }).reply?.request;
    const params = (request?.method === 'GET' ? request.query : request?.body) as { operationName?: string | null } | undefined;
    refuseSubscriptionOverHttp(document, params?.operationName);
  });
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    refuseChangesInMaintenance(document, (context as Partial<Context>).viewer ?? null, services.maintenance);
  });
}
