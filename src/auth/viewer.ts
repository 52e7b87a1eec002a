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

/** The viewer, or UNAUTHENTICATED; with `role`, also FORBIDDEN below that role. */
export function requireViewer(viewer: Viewer | null, role?: Role): Viewer {
  if (viewer === null) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  if (role !== undefined && !hasRole(viewer.user, role)) {
    throw new AppError('FORBIDDEN', `This needs the ${role.toLowerCase()} role`);
  }
  return viewer;
}
