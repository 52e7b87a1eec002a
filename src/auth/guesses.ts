import type { SignInFailureRepository } from '../store/repositories/sign-in-failures.js';
import type { User } from '../store/repositories/users.js';
import { decoyPasswordHash, verifyPassword } from './passwords.js';

/** How a password guess went: right, wrong (and whether that locked the pair), or refused by a lock. */
export type Guess = { kind: 'right' } | { kind: 'wrong'; lockedUntil: string | null } | { kind: 'locked'; until: string };

/** What guesses at an account's password are counted under. */
export const accountKey = (user: Pick<User, 'id'>): string => `user:${user.id}`;

/** What guesses at a name no account has are counted under, so it fails and locks as an account does. */
export const unknownNameKey = (identifier: string): string => `name:${identifier.toLowerCase()}`;

/**
 * Password guesses counted per account and source (a client address, a session): `maxFailures`
 * wrong ones in a row lock that pair for `lockoutMs`, and while it is locked even the right password
 * is refused. Every guess costs one password check, so timing tells neither a lock nor an unknown name.
 */
export class PasswordGuesses {
  constructor(
    private readonly failures: SignInFailureRepository,
    private readonly limits: { maxFailures: number; lockoutMs: number },
  ) {}

  /** Checks `password` against `hash` (undefined: no account, never right) for the pair. */
  async check(account: string, source: string, hash: string | undefined, password: string): Promise<Guess> {
    const lockedUntil = this.failures.lockedUntil(account, source, new Date());
    const right = await verifyPassword(hash === undefined || lockedUntil !== null ? await decoyPasswordHash() : hash, password);
    if (lockedUntil !== null) return { kind: 'locked', until: lockedUntil };
    if (!right) return { kind: 'wrong', lockedUntil: this.failures.record(account, source, this.limits.maxFailures, this.limits.lockoutMs, new Date()).lockedUntil };
    this.failures.clear(account, source);
    return { kind: 'right' };
  }

  /** Ends the account's locks from every source; returns how many were in force. */
  forgive(account: string): number {
    return this.failures.clearAccount(account, new Date());
  }
}
