import type { User } from '../store/repositories/users.js';
import type { AuditService } from './audit.js';
import type { ChangeKind, EntityType, Events } from '../events.js';
import type { CacheTable, ReadCache } from '../cache/read-cache.js';

/**
 * What every catalogue write does afterwards, in one place: the audit entry, dropping the cached
 * reads of the tables it touched, and the live change event.
 */
export class ChangeRecorder {
  constructor(
    private readonly audit: AuditService,
    private readonly cache: ReadCache,
    private readonly events: Events,
  ) {}

  async record(
    actor: User,
    action: string,
    target: { type: EntityType; id: string },
    change: ChangeKind,
    tables: readonly CacheTable[],
    detail?: Record<string, unknown>,
  ): Promise<void> {
    this.audit.record(actor, action, target, detail);
    await this.cache.invalidate(tables);
    this.noteChange(target.type, target.id, change);
  }

  /** Announces a further change made by the same write (e.g. the figure a merge removed). */
  noteDeleted(type: EntityType, id: string): void {
    this.noteChange(type, id, 'DELETED');
  }

  /** Announces a further change made by the same write (e.g. the figures an undo brought back). */
  noteChange(type: EntityType, id: string, change: ChangeKind): void {
    this.events.catalogueChanged({ entity: type, id, change, at: new Date().toISOString() });
  }
}
