import { AppError } from '../errors.js';
import type { Session } from '../store/repositories/sessions.js';
import type { Role, User } from '../store/repositories/users.js';

/** The signed-in user behind a request, and how they proved it. */
export interface Viewer {
  user: User;
  session: Session;
  via: 'cookie' | 'bearer';
}

const RANK: Readonly<Record<Role, number>> = { VIEWER: 1, ARCHIVIST: 2, SUPERUSER: 3 };

export const hasRole = (user: Pick<User, 'role'>, role: Role): boolean => RANK[user.role] >= RANK[role];

/**
 * The viewer, even one who must still replace a one-time password: only for changing the password
 * and signing out. Everything else goes through requireViewer.
 */
export function requireSession(viewer: Viewer | null): Viewer {
  if (viewer === null) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return viewer;
}

/**
 * The viewer, or UNAUTHENTICATED; PASSWORD_CHANGE_REQUIRED while they hold a one-time password;
 * with `role`, also FORBIDDEN below that role.
 */
export function requireViewer(viewer: Viewer | null, role?: Role): Viewer {
  const signedIn = requireSession(viewer);
  if (signedIn.user.mustChangePassword) {
    throw new AppError('PASSWORD_CHANGE_REQUIRED', 'You signed in with a one-time password: choose your own with changePassword first');
  }
  if (role !== undefined && !hasRole(signedIn.user, role)) {
    throw new AppError('FORBIDDEN', `This needs the ${role.toLowerCase()} role`);
  }
  return signedIn;
}
