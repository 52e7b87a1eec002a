import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Events } from '../events.js';
import { AppError } from '../errors.js';
import type { StoredFile } from '../store/files.js';
import type { Listing, PageArgs } from '../store/pagination.js';
import type { AuditEntry } from '../store/repositories/audit.js';
import type { Session } from '../store/repositories/sessions.js';
import type { OneTimePassword, Role, User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { AuditService } from './audit.js';
import { lookUp } from './lookup.js';
import type { Mailer } from '../mail/mailer.js';
import { generatePassword, hashPassword, passwordProblem } from '../auth/passwords.js';
import { emailSchema, parseInput, trimmed, uniquely, usernameSchema } from '../validation.js';
import { hasRole, requireSession, requireViewer, type Viewer } from '../auth/viewer.js';
import { accountKey, PasswordGuesses } from '../auth/guesses.js';

/** How a generated password reached its owner. */
export type PasswordDelivery = 'EMAILED' | 'SHOWN_ONCE';

export interface IssuedPassword {
  user: User;
  delivery: PasswordDelivery;
  /** Only when it could not be emailed: shown once to the superuser, never stored. */
  oneTimePassword: string | null;
  expiresAt: string;
}

const profileFields = {
  firstName: trimmed(0, 100).optional(),
  lastName: trimmed(0, 100).optional(),
  title: trimmed(0, 100).optional(),
  contact: trimmed(0, 50).nullable().optional(),
};

const createUserSchema = z.object({
  username: usernameSchema,
  email: emailSchema,
  role: z.enum(['ARCHIVIST', 'VIEWER'], { error: 'must be ARCHIVIST or VIEWER (there is one superuser)' }),
  ...profileFields,
});

const updateUserSchema = z.object({
  username: usernameSchema.optional(),
  email: emailSchema.optional(),
  role: z.enum(['ARCHIVIST', 'VIEWER'], { error: 'must be ARCHIVIST or VIEWER (there is one superuser)' }).optional(),
  ...profileFields,
});

const profileSchema = z.object({ username: usernameSchema.optional(), email: emailSchema.optional(), ...profileFields });

export const SUPERUSER_PASSWORD_FILE = 'superuser-password.txt';

/** An uploaded image, received only once the uploader may send it, and refused past `maxBytes`. */
export type IncomingImage = (maxBytes: number) => Promise<Buffer>;

/** The user themself or the superuser may see an account's private details. */
const maySeePrivate = (viewer: Viewer | null, user: User): viewer is Viewer =>
  viewer !== null && (viewer.user.id === user.id || hasRole(viewer.user, 'SUPERUSER'));

const tooManyGuesses = (until: string): AppError =>
  new AppError('RATE_LIMITED', `Too many wrong current passwords from this session; try again after ${until}`, { lockedUntil: until });

/** Accounts: the superuser's administration, and each user's own profile and password. */
export class UserService {
  private readonly guesses: PasswordGuesses;

  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
    private readonly mailer: Mailer,
    private readonly config: Pick<Config, 'superuser' | 'dataDir' | 'publicUrl' | 'signIn'>,
    private readonly log: (message: string, error: unknown) => void,
    private readonly events: Pick<Events, 'sessionsRevoked'>,
  ) {
    this.guesses = new PasswordGuesses(store.signInFailures, config.signIn);
  }

  /**
   * Creates the one superuser at first boot. Without SUPERUSER_PASSWORD a strong random password is
   * written once to a 0600 file in DATA_DIR; it is never logged. Returns where the password is.
   */
  async ensureSuperuser(): Promise<{ created: boolean; passwordFile: string | null }> {
    if (this.store.users.superuser() !== undefined) return { created: false, passwordFile: null };
    const given = this.config.superuser.password;
    const password = given ?? generatePassword(24);
    let passwordFile: string | null = null;
    if (given === undefined) {
      passwordFile = path.join(this.config.dataDir, SUPERUSER_PASSWORD_FILE);
      // 'wx': never overwrite an earlier file.
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
    }
    const user = this.store.users.create({
      username: this.config.superuser.username,
      email: this.config.superuser.email,
      passwordHash: await hashPassword(password),
      role: 'SUPERUSER',
      firstName: 'ArchAIve',
      lastName: 'Superuser',
      // A generated password sits in a file: it must be replaced, but the operator may sign in days later.
      oneTime: given === undefined ? { expiresAt: null } : null,
    });
    this.audit.record(null, 'user.createSuperuser', { type: 'User', id: user.id });
    return { created: true, passwordFile };
  }

  /** Every account (superuser). */
  page(viewer: Viewer | null, args: PageArgs, filter: { role?: Role | null; search?: string | null }): Listing<User> {
    requireViewer(viewer, 'SUPERUSER');
    return this.store.users.page(args, filter);
  }

  /** Accounts by id (any signed-in user: their public fields name authors and actors). */
  byIds(viewer: Viewer | null, ids: readonly string[]): User[] {
    requireViewer(viewer);
    return this.store.users.byIds(ids);
  }

  /** Email, contact, last sign-in and one-time password state, or null for anyone but the user themself and the superuser. */
  privateDetails(viewer: Viewer | null, user: User): Pick<User, 'email' | 'contact' | 'lastSignInAt' | 'mustChangePassword'> | null {
    return maySeePrivate(viewer, user)
      ? { email: user.email, contact: user.contact, lastSignInAt: user.lastSignInAt, mustChangePassword: user.mustChangePassword }
      : null;
  }

  /** Live sessions, marking the viewer's own; null for anyone but the user themself and the superuser. */
  sessions(viewer: Viewer | null, user: User): (Session & { current: boolean })[] | null {
    if (!maySeePrivate(viewer, user)) return null;
    return this.store.sessions.activeForUser(user.id).map((s) => ({ ...s, current: s.id === viewer.session.id }));
  }

  /** What the user did; null for anyone but the user themself and the superuser. */
  auditLog(viewer: Viewer | null, user: User, args: PageArgs): Listing<AuditEntry> | null {
    return maySeePrivate(viewer, user) ? this.audit.entries(viewer, args, { actorId: user.id, action: null, targetId: null }) : null;
  }

  /** Public like the name: the sign-in payload shows it before the request has a session. */
  avatar(user: User): StoredFile | null {
    return user.avatarSha256 === null ? null : (this.store.files.get(user.avatarSha256) ?? null);
  }

  async createUser(viewer: Viewer | null, input: unknown): Promise<IssuedPassword> {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    const data = parseInput(createUserSchema, input);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const oneTime = this.oneTime();
    const user = uniquely('That username or email is already taken', () =>
      this.store.users.create({ ...data, passwordHash, role: data.role, contact: data.contact ?? null, oneTime }),
    );
    this.audit.record(actor, 'user.create', { type: 'User', id: user.id }, { username: user.username, role: user.role });
    return this.deliverPassword(user, password, 'accountCreated', oneTime.expiresAt);
  }

  updateUser(viewer: Viewer | null, id: string, input: unknown): User {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    const target = lookUp(this.store, 'User', id);
    const data = parseInput(updateUserSchema, input);
    if (target.role === 'SUPERUSER' && data.role !== undefined) {
      throw new AppError('FORBIDDEN', 'The superuser role cannot be changed');
    }
    const updated = uniquely('That username or email is already taken', () => this.store.users.update(id, data)) as User;
    this.audit.record(actor, 'user.update', { type: 'User', id }, { fields: Object.keys(data) });
    if (data.role !== undefined && data.role !== target.role) this.revokeAll(id);
    return updated;
  }

  deleteUser(viewer: Viewer | null, id: string): string {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    const target = lookUp(this.store, 'User', id);
    if (target.role === 'SUPERUSER') throw new AppError('FORBIDDEN', 'The superuser cannot be deleted');
    // Batches, artefacts and audit entries they made stay; their author becomes unknown (SET NULL).
    this.store.users.delete(id);
    this.events.sessionsRevoked({ userId: id });
    this.audit.record(actor, 'user.delete', { type: 'User', id }, { username: target.username });
    return id;
  }

  async resetPassword(viewer: Viewer | null, id: string): Promise<IssuedPassword> {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    const target = lookUp(this.store, 'User', id);
    if (target.id === actor.id) throw new AppError('FORBIDDEN', 'Change your own password with changePassword');
    const password = generatePassword();
    const oneTime = this.oneTime();
    this.store.users.setPassword(id, await hashPassword(password), oneTime);
    // A new password ends the account's sign-in locks: its owner signs in with it at once.
    this.guesses.forgive(accountKey(target));
    const revoked = this.revokeAll(id);
    this.audit.record(actor, 'user.resetPassword', { type: 'User', id }, { sessionsRevoked: revoked });
    return this.deliverPassword(target, password, 'passwordReset', oneTime.expiresAt);
  }

  revokeSessions(viewer: Viewer | null, id: string): number {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    lookUp(this.store, 'User', id);
    const keep = id === actor.id ? (viewer as Viewer).session.id : null;
    const revoked = this.revokeAll(id, keep);
    this.audit.record(actor, 'user.revokeSessions', { type: 'User', id }, { sessionsRevoked: revoked });
    return revoked;
  }

  updateProfile(viewer: Viewer | null, input: unknown): User {
    const { user } = requireViewer(viewer);
    const data = parseInput(profileSchema, input);
    const updated = uniquely('That username or email is already taken', () => this.store.users.update(user.id, data)) as User;
    this.audit.record(user, 'profile.update', { type: 'User', id: user.id }, { fields: Object.keys(data) });
    return updated;
  }

  async changePassword(viewer: Viewer | null, currentPassword: string, newPassword: string): Promise<User> {
    // The one call (with signOut) open to someone who must replace a one-time password.
    const v = requireSession(viewer);
    // Guesses at the current password from one session count like failed sign-ins from one
    // address: a stolen session cannot try passwords without end.
    const guess = await this.guesses.check(accountKey(v.user), `session:${v.session.id}`, v.user.passwordHash, currentPassword);
    if (guess.kind === 'locked') throw tooManyGuesses(guess.until);
    if (guess.kind === 'wrong') {
      this.audit.record(v.user, 'profile.changePasswordFailed', { type: 'User', id: v.user.id }, { locked: guess.lockedUntil !== null });
      if (guess.lockedUntil !== null) throw tooManyGuesses(guess.lockedUntil);
      throw new AppError('BAD_USER_INPUT', 'The current password is not right', { field: 'currentPassword' });
    }
    const problem = passwordProblem(newPassword, [v.user.username, v.user.email, v.user.firstName, v.user.lastName]);
    if (problem !== null) throw new AppError('BAD_USER_INPUT', problem, { field: 'newPassword' });
    if (newPassword === currentPassword) throw new AppError('BAD_USER_INPUT', 'The new password is the same as the current one', { field: 'newPassword' });
    this.store.users.setPassword(v.user.id, await hashPassword(newPassword));
    // Other devices must sign in again with the new password; this session stays.
    this.revokeAll(v.user.id, v.session.id);
    this.audit.record(v.user, 'profile.changePassword', { type: 'User', id: v.user.id });
    void this.mailer.send(v.user.email, { kind: 'passwordChanged', username: v.user.username }, (e) =>
      this.log('password-changed email failed', e),
    );
    return lookUp(this.store, 'User', v.user.id);
  }

  /** Sets the viewer's picture, or removes it with null; the upload is read only after the check. */
  async setAvatar(viewer: Viewer | null, image: IncomingImage | null): Promise<User> {
    const { user } = requireViewer(viewer);
    const sha = image === null ? null : (await this.store.files.putImage(await image(this.store.files.maxBytes))).sha256;
    const updated = this.store.users.update(user.id, { avatarSha256: sha }) as User;
    this.audit.record(user, image === null ? 'profile.removePicture' : 'profile.setPicture', { type: 'User', id: user.id });
    return updated;
  }

  /** The superuser removes anyone's picture (an offensive or private one, say). */
  removePicture(viewer: Viewer | null, id: string): User {
    const actor = requireViewer(viewer, 'SUPERUSER').user;
    lookUp(this.store, 'User', id);
    const updated = this.store.users.update(id, { avatarSha256: null }) as User;
    this.audit.record(actor, 'user.removePicture', { type: 'User', id });
    return updated;
  }

  /** A generated password works once the owner signs in, and only until it expires. */
  private oneTime(): OneTimePassword & { expiresAt: string } {
    return { expiresAt: new Date(Date.now() + this.config.signIn.oneTimePasswordMs).toISOString() };
  }

  /** Ends the user's sessions but `keep`, and closes their open WebSockets at once. */
  private revokeAll(userId: string, keep: string | null = null): number {
    const revoked = this.store.sessions.revokeAllForUser(userId, keep);
    this.events.sessionsRevoked({ userId });
    return revoked;
  }

  private async deliverPassword(user: User, password: string, kind: 'accountCreated' | 'passwordReset', expiresAt: string): Promise<IssuedPassword> {
    const signInUrl = `${this.config.publicUrl}/graphiql`;
    const emailed = await this.mailer.send(user.email, { kind, username: user.username, password, expiresAt, signInUrl }, (e) =>
      this.log(`${kind} email failed`, e),
    );
    return { user, delivery: emailed ? 'EMAILED' : 'SHOWN_ONCE', oneTimePassword: emailed ? null : password, expiresAt };
  }
}

