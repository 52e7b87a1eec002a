import { requireViewer, type Viewer } from '../auth/viewer.js';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { AuditService } from './audit.js';

/** Whether changes are refused, with the superuser's note to users. */
export interface Maintenance {
  on: boolean;
  message: string | null;
  since: string | null;
}

const MAX_MESSAGE = 500;

/**
 * Maintenance mode: the superuser (or the operator, with `npm run admin:maintenance`) stops every
 * change while reads go on. The flag lives in the database, so the CLI reaches a running server.
 */
export class MaintenanceService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
  ) {}

  /** Anyone may read it: a frontend shows it before sign-in. */
  status(): Maintenance {
    const state = this.store.maintenance.get();
    return { on: state !== null, message: state?.message ?? null, since: state?.since ?? null };
  }

  /** The superuser turns it on or off. */
  set(viewer: Viewer | null, on: boolean, message: string | null): Maintenance {
    return this.apply(requireViewer(viewer, 'SUPERUSER').user, on, message);
  }

  /** The operator at the machine turns it on or off (audited as the system). */
  setByOperator(on: boolean, message: string | null): Maintenance {
    return this.apply(null, on, message);
  }

  /** MAINTENANCE while it is on. */
  refuseWhileOn(): void {
    const state = this.store.maintenance.get();
    if (state === null) return;
    const note = state.message === null ? '' : `: ${state.message}`;
    throw new AppError('MAINTENANCE', `The archive is in maintenance${note}; changes are refused until it ends`, {
      maintenanceMessage: state.message,
      since: state.since,
    });
  }

  private apply(actor: { id: string; username: string } | null, on: boolean, message: string | null): Maintenance {
    const note = message?.trim() || null;
    if (note !== null && note.length > MAX_MESSAGE) throw new AppError('BAD_USER_INPUT', `The message is longer than ${MAX_MESSAGE} characters`, { field: 'message' });
    this.store.maintenance.set(on, note, new Date());
    this.audit.record(actor, on ? 'system.maintenanceOn' : 'system.maintenanceOff', null, note === null ? null : { message: note });
    return this.status();
  }
}
