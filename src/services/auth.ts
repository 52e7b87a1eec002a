import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import type { Events } from '../events.js';
import { AppError } from '../errors.js';
import type { Session } from '../store/repositories/sessions.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { AuditService } from './audit.js';
import type { Mailer } from '../mail/mailer.js';
import { accountKey, PasswordGuesses, unknownNameKey } from '../auth/guesses.js';
import { MinuteRateLimiter } from '../auth/rate-limiter.js';
import { requireSession, type Viewer } from '../auth/viewer.js';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SignedIn {
  user: User;
  session: Session;
  /** Returned once; only its hash is stored. */
  token: string;
  /** For cookie sessions: sent back in the x-csrf-token header on every mutation. */
  csrfToken: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const newSecret = (): string => randomBytes(32).toString('base64url');
// last_seen_at is written at most this often, so reads do not turn into writes on every request.
const TOUCH_INTERVAL_MS = 60_000;

const INVALID_CREDENTIALS = 'The username, email or password is not right';

const locked = (until: string): AppError =>
  new AppError('RATE_LIMITED', `Too many failed sign-ins for this account from this address; try again after ${until}`, { lockedUntil: until });

/** Sign-in, sessions (idle and absolute expiry, revocation) and CSRF tokens. */
export class AuthService {
  private readonly limiter: MinuteRateLimiter;
  private readonly guesses: PasswordGuesses;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
    private readonly config: Pick<Config, 'session' | 'signIn'>,
    private readonly log: (message: string, error: unknown) => void,
    private readonly events: Pick<Events, 'sessionsRevoked'>,
  ) {
    this.limiter = new MinuteRateLimiter(config.signIn.ratePerMinute);
    this.guesses = new PasswordGuesses(store.signInFailures, config.signIn);
  }

  async signIn(identifier: string, password: string, client: ClientInfo): Promise<SignedIn> {
    if (!this.limiter.take(`ip:${client.ip ?? 'unknown'}`)) {
      throw new AppError('RATE_LIMITED', 'Too many sign-in attempts from this address; wait a minute');
    }
    const name = identifier.trim();
    const user = this.store.users.byIdentifier(name);
    // Per account and address: nobody elsewhere can lock the owner out, and an unknown name answers as an account does.
    const guess = await this.guesses.check(user === undefined ? unknownNameKey(name) : accountKey(user), client.ip ?? 'unknown', user?.passwordHash, password);
    if (guess.kind === 'locked') throw locked(guess.until);
    if (user === undefined || guess.kind === 'wrong') {
      const lockedUntil = guess.kind === 'wrong' ? guess.lockedUntil : null;
      this.audit.record(
        user ?? null,
        'auth.signInFailed',
        user === undefined ? null : { type: 'User', id: user.id },
        { ...(user === undefined ? { identifier: name.slice(0, 100) } : {}), ip: client.ip, locked: lockedUntil !== null },
      );
      if (lockedUntil !== null) throw locked(lockedUntil);
      throw new AppError('UNAUTHENTICATED', INVALID_CREDENTIALS);
    }
    // Checked only after the password proved right, so expiry tells a guesser nothing.
    if (user.passwordExpiresAt !== null && Date.parse(user.passwordExpiresAt) <= Date.now()) {
      this.audit.record(user, 'auth.signInFailed', { type: 'User', id: user.id }, { ip: client.ip, expired: true });
      throw new AppError('PASSWORD_EXPIRED', `This one-time password expired at ${user.passwordExpiresAt}; ask the superuser for a new one`, {
        expiredAt: user.passwordExpiresAt,
      });
    }
    const token = newSecret();
    const csrfToken = newSecret();
    const session = this.store.db.transaction(() => {
      this.store.users.recordSignIn(user.id);
      return this.store.sessions.create({
        userId: user.id,
        tokenHash: sha256(token),
        csrfHash: sha256(csrfToken),
        expiresAt: new Date(Date.now() + this.config.session.absoluteMs).toISOString(),
        userAgent: client.userAgent?.slice(0, 300) ?? null,
        ip: client.ip,
      });
    });
    this.audit.record(user, 'auth.signIn', { type: 'User', id: user.id }, { ip: client.ip });
    if (this.config.signIn.alerts) {
      void this.mailer.send(
        user.email,
        { kind: 'signInAlert', username: user.username, at: session.createdAt, ip: client.ip, userAgent: client.userAgent },
        (e) => this.log('sign-in alert email failed', e),
      );
    }
    return { user: this.store.users.byId(user.id) as User, session, token, csrfToken };
  }

  /**
   * The session behind a bearer or cookie token, or null when it is unknown, revoked, idle for
   * too long or past its absolute expiry.
   */
  authenticate(token: string, via: Viewer['via']): Viewer | null {
    if (token.length < 20 || token.length > 200) return null;
    return this.live(this.store.sessions.byTokenHash(sha256(token)), via);
  }

  /**
   * The viewer read again from the store (its session and the user's current role), or null when
   * the session has ended since: a WebSocket checks this before every new subscription.
   */
  recheck(viewer: Viewer): Viewer | null {
    return this.live(this.store.sessions.byId(viewer.session.id), viewer.via);
  }

  private live(session: Session | undefined, via: Viewer['via']): Viewer | null {
    if (session === undefined || session.revokedAt !== null) return null;
    const now = Date.now();
    if (Date.parse(session.expiresAt) <= now) return null;
    if (now - Date.parse(session.lastSeenAt) > this.config.session.idleMs) return null;
    const user = this.store.users.byId(session.userId);
    if (user === undefined) return null;
    if (now - Date.parse(session.lastSeenAt) > TOUCH_INTERVAL_MS) this.store.sessions.touch(session.id, new Date(now).toISOString());
    return { user, session, via };
  }

  /** Cookie sessions must present their CSRF token on anything that changes data. */
  csrfMatches(session: Session, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const a = Buffer.from(sha256(presented));
    const b = Buffer.from(session.csrfHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Ends the superuser's sign-in locks from every address: `npm run admin:unlock`, run by whoever
   * operates the server (they hold DATA_DIR, so no session is asked for).
   */
  unlockSuperuser(): { username: string; locksEnded: number } {
    const user = this.store.users.superuser();
    if (user === undefined) throw new AppError('NOT_FOUND', 'There is no superuser yet; start the server once to create it');
    const locksEnded = this.guesses.forgive(accountKey(user));
    this.audit.record(null, 'auth.unlock', { type: 'User', id: user.id }, { locksEnded });
    return { username: user.username, locksEnded };
  }

  signOut(viewer: Viewer | null): void {
    const { session, user } = requireSession(viewer);
    this.store.sessions.revoke(session.id);
    this.events.sessionsRevoked({ userId: user.id });
    this.audit.record(user, 'auth.signOut', { type: 'User', id: user.id });
  }
}
