import type { AuditEntry, AuditRepository } from '../store/repositories/audit.js';
import type { Listing, PageArgs } from '../store/pagination.js';
import type { User } from '../store/repositories/users.js';
import { hasRole, requireViewer, type Viewer } from '../auth/viewer.js';

export interface AuditFilter {
  actorId: string | null;
  action: string | null;
  targetId: string | null;
  /** Entries made at or after / before these ISO instants. */
  after?: string | null;
  before?: string | null;
}

/** Writes who did what to which target, and when; reads it back to those allowed. */
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  record(
    actor: Pick<User, 'id' | 'username'> | null,
    action: string,
    target?: { type: string; id: string } | null,
    detail?: Record<string, unknown> | null,
  ): void {
    this.repo.add({
      actorId: actor?.id ?? null,
      actorName: actor?.username ?? 'system',
      action,
      targetType: target?.type ?? null,
      targetId: target?.id ?? null,
      detail: detail ?? null,
    });
  }

  /** The superuser reads every entry (and may filter by actor); anyone else reads only their own. */
  entries(viewer: Viewer | null, args: PageArgs, filter: AuditFilter, newestFirst = false): Listing<AuditEntry> {
    const { user } = requireViewer(viewer);
    return this.repo.page(args, { ...filter, actorId: hasRole(user, 'SUPERUSER') ? filter.actorId : user.id }, newestFirst);
  }
}
