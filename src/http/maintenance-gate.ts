import { Kind, type DocumentNode } from 'graphql';
import { hasRole, type Viewer } from '../auth/viewer.js';
import type { MaintenanceService } from '../services/maintenance.js';

/** Mutations that stay open in maintenance mode for everyone: signing in and out, one's own password. */
const OPEN = new Set(['signIn', 'signOut', 'changePassword', 'setMaintenance']);
/** ...and, for the superuser, managing accounts (a compromised or departing one cannot wait). */
const OPEN_TO_SUPERUSER = new Set([...OPEN, 'createUser', 'updateUser', 'deleteUser', 'resetUserPassword', 'revokeUserSessions', 'removeUserPicture']);

/**
 * Refuses a document holding a mutation with any field outside the open ones while maintenance mode
 * is on (MAINTENANCE). Checked here, at the GraphQL edge, because every write passes it and the edge
 * knows which operations are mutations: a service, a new one included, cannot forget the check.
 * Queries and running subscriptions go on. Every mutation in the document counts, whichever one
 * the request names, so no operation name can slip a write past it.
 */
export function refuseChangesInMaintenance(document: DocumentNode, viewer: Viewer | null, maintenance: Pick<MaintenanceService, 'refuseWhileOn'>): void {
  const open = viewer !== null && hasRole(viewer.user, 'SUPERUSER') ? OPEN_TO_SUPERUSER : OPEN;
  const changes = document.definitions.some(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      d.operation === 'mutation' &&
      // A fragment at the root is not looked into: it counts as a change.
      d.selectionSet.selections.some((s) => s.kind !== Kind.FIELD || !open.has(s.name.value)),
  );
  if (changes) maintenance.refuseWhileOn();
}
