import type {} from '@fastify/cookie';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../app.js';
import type { Viewer } from '../auth/viewer.js';
import type { Origins } from './origins.js';
import type { SessionCookies } from '../../resolvers/context.js';

export const SESSION_COOKIE = 'archaive_session';
/** Readable by the page's own scripts (not httpOnly) so they can echo it in x-csrf-token. */
export const CSRF_COOKIE = 'archaive_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null;
  }
  interface FastifyInstance {
    sessionCookies: (request: FastifyRequest, reply: FastifyReply) => SessionCookies;
  }
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/**
 * True when a browser says the request comes from a page that is neither this server's nor listed
 * in CORS_ORIGINS (Fetch metadata, else Origin). Clients other than browsers send neither header.
 */
function crossSite(request: FastifyRequest, origins: Origins): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origins.isListed(origin)) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  return !origins.allows(request);
}

const refuse = (reply: FastifyReply, message: string) =>
  reply.code(403).type('application/json').send({ errors: [{ message, extensions: { code: 'FORBIDDEN' } }] });

/**
 * Resolves the viewer of every request from a bearer token (API clients) or the session cookie
 * (browsers). A cookie session that posts without its CSRF token is refused with 403, and so is any
 * post from another site's page (one not listed in CORS_ORIGINS) without a bearer token: a form
 * there cannot sign the browser in to an account of the attacker's (login CSRF), whatever it posts.
 */
export const authentication = fp<{ services: Services; config: Config; origins: Origins }>(async (app, { services, config, origins }) => {
  app.decorateRequest('viewer', null);

  app.addHook('onRequest', async (request, reply) => {
    const bearer = bearerToken(request.headers.authorization);
    if (bearer !== undefined) {
      request.viewer = services.auth.authenticate(bearer, 'bearer');
      return;
    }
    if (request.method === 'POST' && crossSite(request, origins)) {
      await refuse(reply, 'Requests from another site need a bearer token');
      return reply;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie === undefined) return;
    const viewer = services.auth.authenticate(cookie, 'cookie');
    if (viewer === null) return;
    const header = request.headers[CSRF_HEADER];
    if (request.method === 'POST' && !services.auth.csrfMatches(viewer.session, typeof header === 'string' ? header : undefined)) {
      await refuse(reply, `Missing or wrong ${CSRF_HEADER} header for this cookie session`);
      return reply;
    }
    request.viewer = viewer;
  });

  app.decorate('sessionCookies', (request: FastifyRequest, reply: FastifyReply): SessionCookies => {
    const secure = config.session.cookieSecure === 'auto' ? request.protocol === 'https' : config.session.cookieSecure;
    return {
      set: (token, csrfToken, expiresAt) => {
        const options = { path: '/', sameSite: 'lax' as const, secure, expires: new Date(expiresAt) };
        reply.setCookie(SESSION_COOKIE, token, { ...options, httpOnly: true });
        reply.setCookie(CSRF_COOKIE, csrfToken, { ...options, httpOnly: false });
      },
      clear: () => {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        reply.clearCookie(CSRF_COOKIE, { path: '/' });
      },
    };
  });
});
