import type { FastifyInstance } from 'fastify';

// Scripts and styles only from this server (GraphiQL sets inline styles), requests only to it (its
// WebSocket named too, for browsers whose 'self' leaves ws: out), and no framing: another site
// cannot run scripts in the page or overlay it to trick a click.
const contentSecurityPolicy = (host: string): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    /^[\w.:[\]-]+$/.test(host) ? `connect-src 'self' ws://${host} wss://${host}` : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

/** The headers of the pages this server serves itself (GraphiQL, the trace viewer) under `prefix`. */
export function securePages(app: FastifyInstance, prefix: string): void {
  app.addHook('onSend', async (request, reply) => {
    if (request.url !== prefix && !request.url.startsWith(`${prefix}/`) && !request.url.startsWith(`${prefix}?`)) return;
    reply.header('content-security-policy', contentSecurityPolicy(request.host)).header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff');
  });
}
