import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Session } from '../store/repositories/sessions.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { AuditService } from './audit.js';
import type { Mailer } from '../mail/mailer.js';
import { decoyPasswordHash, verifyPassword } from '../auth/passwords.js';
import { MinuteRateLimiter } from '../auth/rate-limiter.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

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

/** Sign-in, sessions (idle and absolute expiry, revocation) and CSRF tokens. */
export class AuthService {
  private readonly limiter: MinuteRateLimiter;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
    private readonly config: Pick<Config, 'session' | 'signIn'>,
    private readonly log: (message: string, error: unknown) => void,
  ) {
    this.limiter = new MinuteRateLimiter(config.signIn.ratePerMinute);
  }

  async signIn(identifier: string, password: string, client: ClientInfo): Promise<SignedIn> {
    if (!this.limiter.take(`ip:${client.ip ?? 'unknown'}`)) {
      throw new AppError('RATE_LIMITED', 'Too many sign-in attempts from this address; wait a minute');
    }
    const user = this.store.users.byIdentifier(identifier.trim());
    if (user === undefined) {
      await verifyPassword(await decoyPasswordHash(), password);
      this.audit.record(null, 'auth.signInFailed', null, { identifier: identifier.trim().slice(0, 100), ip: client.ip });
      throw new AppError('UNAUTHENTICATED', INVALID_CREDENTIALS);
    }
    if (user.lockedUntil !== null && user.lockedUntil > new Date().toISOString()) {
      throw new AppError('RATE_LIMITED', `Too many failed sign-ins; this account is locked until ${user.lockedUntil}`, {
        lockedUntil: user.lockedUntil,
      });
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      const { lockedUntil } = this.store.users.recordFailure(user.id, this.config.signIn.maxFailures, this.config.signIn.lockoutMs);
      this.audit.record(user, 'auth.signInFailed', { type: 'User', id: user.id }, { ip: client.ip, locked: lockedUntil !== null });
      if (lockedUntil !== null) {
        throw new AppError('RATE_LIMITED', `Too many failed sign-ins; this account is locked until ${lockedUntil}`, { lockedUntil });
      }
      throw new AppError('UNAUTHENTICATED', INVALID_CREDENTIALS);
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
    const session = this.store.sessions.byTokenHash(sha256(token));
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

  signOut(viewer: Viewer | null): void {
    const { session, user } = requireViewer(viewer);
    this.store.sessions.revoke(session.id);
    this.audit.record(user, 'auth.signOut', { type: 'User', id: user.id });
  }
}
