import { AppError, notFound } from '../errors.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Batch, BatchArtefactStatus, BatchStage } from '../store/repositories/batches.js';
import type { Store } from '../store/store.js';
import type { JobQueue } from '../jobs/queue.js';
import type { ChangeRecorder } from './changes.js';
import { lookUp } from './lookup.js';
import { TOPICS } from '../events.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

const STARTABLE: readonly BatchStage[] = ['VETTING', 'COMPLETED'];
const CONFIRMABLE: readonly BatchArtefactStatus[] = ['PROCESSED', 'FAILED', 'CONFIRMED'];

/**
 * Vetting's end: confirming artefacts, and starting the catalogue integrator, whose work runs on
 * the job queue (src/jobs/queue.ts, one artefact at a time, so every placement sees the categories
 * made before it).
 */
export class IntegrationService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRecorder,
    private readonly queue: Pick<JobQueue, 'wake' | 'isRunning'>,
  ) {}

  /** Marks a vetted artefact of a batch as confirmed, ready for integration. */
  async confirm(viewer: Viewer | null, batchId: string, artefactId: string): Promise<Artefact> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    const entry = this.store.batches.entriesOf([artefactId])[0];
    if (!entry || entry.batchId !== batchId) throw notFound('Artefact in this batch', artefactId);
    if (batch.stage === 'INTEGRATING') throw new AppError('CONFLICT', 'The batch is being integrated; confirm once it has finished');
    if (!CONFIRMABLE.includes(entry.status)) {
      throw new AppError('CONFLICT', `Only processed artefacts can be confirmed (this one is ${entry.status.toLowerCase()})`);
    }
    if (entry.status !== 'CONFIRMED') {
      this.store.batches.setEntryStatus(batchId, artefactId, 'CONFIRMED', { step: null, errorCode: null, errorMessage: null });
      await this.changes.record(user, 'batch.confirm', { type: 'Batch', id: batchId }, 'UPDATED', ['batches'], { artefactId });
    }
    return this.store.artefacts.byId(artefactId) as Artefact;
  }

  /**
   * Queues the batch's confirmed artefacts for integration and returns the batch at once. The run
   * is durable: the batch stays INTEGRATING until the queue has placed every one, across restarts.
   */
  async start(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    if (batch.stage === 'INTEGRATING') throw new AppError('CONFLICT', 'This batch is already being integrated');
    if (!STARTABLE.includes(batch.stage)) {
      throw new AppError('CONFLICT', `A batch can be integrated once it is being vetted (this one is ${batch.stage.toLowerCase()})`);
    }
    const entries = this.store.batches.entries(batchId);
    if (this.queue.isRunning(batchId) || entries.some((e) => e.reprocessSteps !== null)) {
      throw new AppError('CONFLICT', 'Artefacts of this batch are being reprocessed; integrate once that is over');
    }
    const confirmed = entries.filter((e) => e.status === 'CONFIRMED');
    if (confirmed.length === 0) throw new AppError('CONFLICT', 'Nothing in this batch is confirmed yet');
    this.store.db.transaction(() => {
      // A new run tries every confirmed artefact again, including those an earlier run could not place.
      for (const e of confirmed) this.store.batches.setEntryStatus(batchId, e.artefactId, 'CONFIRMED', { step: null, errorCode: null, errorMessage: null });
      this.store.batches.setStage(batchId, 'INTEGRATING');
    });
    await this.changes.record(user, 'batch.integrate', { type: 'Batch', id: batchId }, 'UPDATED', ['batches'], { confirmed: confirmed.length });
    this.queue.wake();
    return lookUp(this.store, 'Batch', batchId);
  }

  /** The topic of the batch's integration progress (any signed-in user; NOT_FOUND for an unknown batch). */
  progressTopic(viewer: Viewer | null, batchId: string): string {
    requireViewer(viewer);
    lookUp(this.store, 'Batch', batchId);
    return TOPICS.integrationProgress(batchId);
  }
}
