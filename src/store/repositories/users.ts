import { randomUUID } from 'node:crypto';
import { Conditions } from '../conditions.js';
import type { Db } from '../db.js';
import { placeholders } from '../db.js';
import { listing, type Listing, type PageArgs } from '../pagination.js';

export type Role = 'SUPERUSER' | 'ARCHIVIST' | 'VIEWER';

export interface User {
  id: string;
  seq: number;
  username: string;
  email: string;
  passwordHash: string;
  role: Role;
  firstName: string;
  lastName: string;
  title: string;
  contact: string | null;
  avatarSha256: string | null;
  lastSignInAt: string | null;
  passwordChangedAt: string;
  /** Signed in with a generated one-time password: nothing but a password change until it is chosen. */
  mustChangePassword: boolean;
  /** When the one-time password stops working; null for chosen passwords. */
  passwordExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

interface UserRow {
  id: string;
  seq: number;
  username: string;
  email: string;
  password_hash: string;
  role: Role;
  first_name: string;
  last_name: string;
  title: string;
  contact: string | null;
  avatar_sha256: string | null;
  last_sign_in_at: string | null;
  password_changed_at: string;
  must_change_password: number;
  password_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  seq: r.seq,
  username: r.username,
  email: r.email,
  passwordHash: r.password_hash,
  role: r.role,
  firstName: r.first_name,
  lastName: r.last_name,
  title: r.title,
  contact: r.contact,
  avatarSha256: r.avatar_sha256,
  lastSignInAt: r.last_sign_in_at,
  passwordChangedAt: r.password_changed_at,
  mustChangePassword: r.must_change_password === 1,
  passwordExpiresAt: r.password_expires_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// users needs no seq column: rowid is creation order, and nothing here VACUUMs the database.
const SELECT = 'SELECT rowid AS seq, * FROM users';

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  role: Role;
  firstName?: string;
  lastName?: string;
  title?: string;
  contact?: string | null;
  /** Set for generated passwords. */
  oneTime?: OneTimePassword | null;
}

/** A generated password: it must be changed at first sign-in, and stops working at `expiresAt` (null: never). */
export interface OneTimePassword {
  expiresAt: string | null;
}

export type UserChanges = Partial<
  Pick<User, 'username' | 'email' | 'role' | 'firstName' | 'lastName' | 'title' | 'contact' | 'avatarSha256'>
>;

const COLUMNS: Record<keyof UserChanges, string> = {
  username: 'username',
  email: 'email',
  role: 'role',
  firstName: 'first_name',
  lastName: 'last_name',
  title: 'title',
  contact: 'contact',
  avatarSha256: 'avatar_sha256',
};

export class UserRepository {
  constructor(private readonly db: Db) {}

  create(input: NewUser): User {
    const id = randomUUID();
    const now = new Date().toISOString();
    this.db
      .query(
        `INSERT INTO users (id, username, email, password_hash, role, first_name, last_name, title, contact,
           password_changed_at, must_change_password, password_expires_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.username,
        input.email,
        input.passwordHash,
        input.role,
        input.firstName ?? '',
        input.lastName ?? '',
        input.title ?? '',
        input.contact ?? null,
        now,
        input.oneTime == null ? 0 : 1,
        input.oneTime?.expiresAt ?? null,
        now,
        now,
      );
    return this.byId(id) as User;
  }

  byId(id: string): User | undefined {
    const row = this.db.query<UserRow>(`${SELECT} WHERE id = ?`).get(id);
    return row && toUser(row);
  }

  byIds(ids: readonly string[]): User[] {
    if (ids.length === 0) return [];
    return this.db.query<UserRow>(`${SELECT} WHERE id IN (${placeholders(ids.length)})`).all(...ids).map(toUser);
  }

  /** Username or email, case-insensitively. */
  byIdentifier(identifier: string): User | undefined {
    const row = this.db.query<UserRow>(`${SELECT} WHERE username = ? OR email = ?`).get(identifier, identifier);
    return row && toUser(row);
  }

  superuser(): User | undefined {
    const row = this.db.query<UserRow>(`${SELECT} WHERE role = 'SUPERUSER'`).get();
    return row && toUser(row);
  }

  page(args: PageArgs, filter: { role?: Role | null; search?: string | null }): Listing<User> {
    const c = new Conditions().when(filter.role, 'role = ?').like(filter.search, 'username', 'email', "(first_name || ' ' || last_name)");
    return listing<UserRow, User>(this.db, { sql: `${SELECT} WHERE ${c.sql}`, params: c.params, seq: 'rowid' }, args, toUser);
  }

  update(id: string, changes: UserChanges): User | undefined {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined) as [keyof UserChanges, unknown][];
    if (entries.length > 0) {
      const sets = entries.map(([k]) => `${COLUMNS[k]} = ?`).join(', ');
      this.db
        .query(`UPDATE users SET ${sets}, updated_at = ? WHERE id = ?`)
        .run(...entries.map(([, v]) => v), new Date().toISOString(), id);
    }
    return this.byId(id);
  }

  /** A chosen password (`oneTime` null) clears any one-time state; a generated one sets it. */
  setPassword(id: string, passwordHash: string, oneTime: OneTimePassword | null = null): void {
    const now = new Date().toISOString();
    this.db
      .query(
        `UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?, password_expires_at = ?,
           updated_at = ? WHERE id = ?`,
      )
      .run(passwordHash, now, oneTime === null ? 0 : 1, oneTime?.expiresAt ?? null, now, id);
  }

  recordSignIn(id: string): void {
    this.db
      .query('UPDATE users SET last_sign_in_at = ? WHERE id = ?')
      .run(new Date().toISOString(), id);
  }

  delete(id: string): boolean {
    return this.db.query('DELETE FROM users WHERE id = ?').run(id).changes > 0;
  }
}
