import type { FastifyRequest } from 'fastify';

/**
 * Which browser pages may use this server with a user's credentials: its own (its public address,
 * or the address it was reached at) and the origins listed in CORS_ORIGINS. One answer for CORS,
 * for cookie-session posts and for WebSockets, which have no CORS of their own.
 */
export class Origins {
  private readonly listed: ReadonlySet<string>;
  private readonly publicOrigin: string;

  constructor(publicUrl: string, listed: readonly string[]) {
    this.publicOrigin = new URL(publicUrl).origin;
    this.listed = new Set(listed);
  }

  /** Listed in CORS_ORIGINS: a frontend of this server served from elsewhere. */
  isListed(origin: string): boolean {
    return this.listed.has(origin);
  }

  /** This server's own pages. */
  isOwn(request: FastifyRequest, origin: string): boolean {
    return origin === this.publicOrigin || origin === `${request.protocol}://${request.host}`;
  }

  /** The request comes from no page (not a browser), or from an own or a listed one. */
  allows(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    return origin === undefined || this.isListed(origin) || this.isOwn(request, origin);
  }
}
