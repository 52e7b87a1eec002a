import type { Viewer } from '../auth/viewer.js';

/** Close codes of the graphql-ws protocol. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;

/** The part of a `ws` WebSocket this needs. */
export interface LiveSocket {
  readonly protocol: string;
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * The open WebSockets of each user with the viewer each signed in as, so that when sessions end
 * (sign-out, revocation, a role change, a password reset or change, deletion) their sockets close
 * at once instead of streaming on.
 */
export class LiveSockets {
  private readonly byUser = new Map<string, Map<LiveSocket, Viewer>>();

  add(socket: LiveSocket, viewer: Viewer): void {
    const userId = viewer.user.id;
    const sockets = this.byUser.get(userId) ?? new Map<LiveSocket, Viewer>();
    this.byUser.set(userId, sockets.set(socket, viewer));
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.byUser.get(userId) === sockets) this.byUser.delete(userId);
    });
  }

  /** Closes (4401) each socket of the user whose session `stillLive` no longer finds. */
  recheck(userId: string, stillLive: (viewer: Viewer) => Viewer | null): void {
    for (const [socket, viewer] of this.byUser.get(userId) ?? []) {
      if (stillLive(viewer) === null) socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
    }
  }
}
