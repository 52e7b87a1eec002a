import type { AuditRepository } from '../store/repositories/audit.js';
import type { User } from '../store/repositories/users.js';

/** Writes who did what to which target, and when. */
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
}
