import type { FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/viewer.js';
import { AppError } from '../errors.js';
import type { Events } from '../events.js';
import type { AuthService } from '../services/auth.js';
import type { Origins } from './origins.js';
import type { Context } from '../../resolvers/context.js';

/** Close codes of the graphql-ws protocol. */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
// setTimeout's longest delay (about 24.8 days); a later expiry is checked again then.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** The part of a `ws` WebSocket used here. */
export interface LiveSocket {
  readonly protocol: string;
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * mercurius calls onConnect as a method of its connection: this is the part of it used here, the
 * socket (to close it with a graphql-ws code) and the upgrade request (for a browser's cookie).
 */
export interface WsConnection {
  socket: LiveSocket;
  context: { request: FastifyRequest };
}

/** What a connection adds to the context of its subscriptions. */
export type SocketContext = Pick<Context, 'viewer' | 'loaders'> & { socket: LiveSocket };

/** Token from a graphql-ws / subscriptions-transport-ws connection_init payload. */
function initToken(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const raw = p.token ?? p.authorization ?? p.Authorization;
  if (typeof raw !== 'string') return undefined;
  return raw.replace(/^Bearer\s+/i, '');
}

/**
 * A browser's cookie session authenticates a WebSocket only from a page (the cookie rides along
 * with any page's WebSocket); which pages may connect at all is checked before, in `connect`.
 */
const cookieViewer = (request: FastifyRequest): Viewer | null => (request.headers.origin === undefined ? null : request.viewer);

/**
 * The sessions behind WebSockets: who may connect, and the open sockets of each user with the
 * viewer each signed in as, so that when sessions end early (sign-out, revocation, a role change,
 * a password reset or change, deletion) their sockets close at once instead of streaming on.
 */
export class SocketSessions {
  private readonly byUser = new Map<string, Map<LiveSocket, Viewer>>();

  constructor(
    private readonly auth: Pick<AuthService, 'authenticate' | 'recheck'>,
    events: Pick<Events, 'onSessionsRevoked'>,
    private readonly loadersFor: (viewer: Viewer) => Context['loaders'],
    private readonly origins: Pick<Origins, 'allows'>,
  ) {
    events.onSessionsRevoked(({ userId }) => {
      for (const [socket, viewer] of this.byUser.get(userId) ?? []) {
        if (this.auth.recheck(viewer) === null) socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
      }
    });
  }

  /**
   * connection_init: a token in its payload, else the browser's session cookie on the upgrade
   * request. A browser's socket from a page that is neither this server's nor listed in
   * CORS_ORIGINS is refused whatever it proves, as CORS would refuse its requests. A refusal closes graphql-ws sockets with 4403; the legacy protocol answers with its
   * connection_error message (mercurius sends it on `false`).
   */
  connect(connection: WsConnection, payload: unknown): SocketContext | false {
    const { request } = connection.context;
    const token = initToken(payload);
    const viewer = !this.origins.allows(request) ? null : token === undefined ? cookieViewer(request) : this.auth.authenticate(token, 'bearer');
    const { socket } = connection;
    if (viewer === null) {
      if (socket.protocol === 'graphql-transport-ws') socket.close(CLOSE_FORBIDDEN, 'Forbidden');
      return false;
    }
    const userId = viewer.user.id;
    const sockets = this.byUser.get(userId) ?? new Map<LiveSocket, Viewer>();
    this.byUser.set(userId, sockets.set(socket, viewer));
    const expiry = this.closeAtExpiry(socket, viewer);
    socket.once('close', () => {
      clearTimeout(expiry.timer);
      sockets.delete(socket);
      if (sockets.size === 0 && this.byUser.get(userId) === sockets) this.byUser.delete(userId);
    });
    return { viewer, loaders: this.loadersFor(viewer), socket };
  }

  /** A session also ends at its absolute expiry; its socket closes then (4401) rather than stream on. */
  private closeAtExpiry(socket: LiveSocket, viewer: Viewer): { timer?: NodeJS.Timeout } {
    const expiry: { timer?: NodeJS.Timeout } = {};
    const schedule = (): void => {
      const delay = Math.min(Math.max(Date.parse(viewer.session.expiresAt) - Date.now(), 0), LONGEST_TIMER_MS);
      expiry.timer = setTimeout(() => (this.auth.recheck(viewer) === null ? socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized') : schedule()), delay);
      expiry.timer.unref();
    };
    schedule();
    return expiry;
  }

  /**
   * Before each new subscription: the session and the user read again (the role may have changed,
   * or the session ended on another instance), into the subscription's context; an ended session
   * closes the socket with 4401.
   */
  recheck(context: SocketContext): void {
    const viewer = context.viewer === null ? null : this.auth.recheck(context.viewer);
    if (viewer === null) {
      context.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
      throw new AppError('UNAUTHENTICATED', 'This session has ended; sign in again');
    }
    context.viewer = viewer;
    context.loaders = this.loadersFor(viewer);
  }
}
