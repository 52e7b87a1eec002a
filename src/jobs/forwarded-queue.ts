import type { Events } from '../events.js';
import type { Store } from '../store/store.js';
import type { JobQueue, QueueControl } from './queue.js';

/**
 * The job queue as a secondary API instance sees it (API_ROLE=secondary): the services write the
 * work to the shared database as usual, and the primary, which owns the queue and runs it, is told
 * over the bus (Redis) to look for it or to cancel.
 */
export class ForwardedQueue implements QueueControl {
  constructor(
    private readonly queue: JobQueue,
    private readonly store: Store,
    private readonly events: Events,
  ) {}

  wake(): void {
    this.events.queueCommand({ command: 'wake' });
  }

  cancel(batchId: string): void {
    this.events.queueCommand({ command: 'cancel', batchId });
  }

  /** From the database: an artefact of the batch is being processed on the primary. */
  isRunning(batchId: string): boolean {
    return this.store.batches.entries(batchId).some((e) => e.status === 'PROCESSING');
  }

  /** Read from the shared database, with the batch's last sequence number (kept there too). */
  snapshot(batchId: string) {
    return this.queue.snapshot(batchId);
  }
}
