import { z } from 'zod';
import { AppError, isAppError, notFound } from '../errors.js';
import type { ArtefactKind } from '../artefact-kind.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Batch, BatchArtefact, BatchArtefactStatus, BatchStage } from '../store/repositories/batches.js';
import type { StepFailure } from '../store/repositories/step-failures.js';
import type { Listing, ListOrder, PageArgs } from '../store/pagination.js';
import type { Store } from '../store/store.js';
import type { ChangeRecorder } from './changes.js';
import { lookUp } from './lookup.js';
import { discardUpload } from '../store/incoming.js';
import { TOPICS, type BatchProgressEvent } from '../events.js';
import type { QueueControl } from '../jobs/queue.js';
import { EVERY_STEP, PROCESSING_STEPS, type ProcessingStep } from '../jobs/steps.js';
import { parseInput, trimmed } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/**
 * One uploaded file, received only when its turn comes (uploads arrive in order on one stream): its
 * name and its bytes as they arrive.
 */
export type IncomingFile = () => Promise<{ filename: string; content: AsyncIterable<unknown> }>;

export interface FileOutcome {
  filename: string;
  artefact: Artefact | null;
  /** The artefact already catalogued with the same image, whose stored file the new one shares. */
  duplicateOf: Artefact | null;
  error: { code: FileErrorCode; message: string } | null;
}

/** Why one file of an upload was refused (GraphQL FileErrorCode). */
export type FileErrorCode = 'INVALID_IMAGE' | 'DUPLICATE_FILENAME';

const nameSchema = z.object({ name: trimmed(1, 120) });

// Stages that processing does not go on from by itself.
const PROCESSING_OVER: readonly BatchStage[] = ['CANCELLED', 'VETTING', 'INTEGRATING', 'COMPLETED'];

/**
 * Whether a progress event says the batch's processing ended: the batch itself (no artefact) moved
 * to a stage processing does not go on from. Decided from the event alone, since the store may be
 * ahead of the events still being delivered.
 */
export const endsProcessing = (event: BatchProgressEvent): boolean => event.artefactId === null && PROCESSING_OVER.includes(event.stage);

// One request's worth of artefacts; more are queued in several requests.
const MAX_REPROCESS = 500;
// Files in one batch, added MAX_FILES_PER_UPLOAD at a time.
export const MAX_BATCH_FILES = 10_000;

/**
 * Batches: upload (each file checked and reported on by itself), start, cancel, resume, delete,
 * and reprocessing. The work itself is the JobQueue's.
 */
export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRecorder,
    private readonly queue: QueueControl,
    private readonly maxFiles: number,
  ) {}

  /** Batches, filtered by stage and name (any signed-in user). */
  page(viewer: Viewer | null, args: PageArgs, filter: { stage: BatchStage | null; search: string | null }, order: ListOrder): Listing<Batch> {
    requireViewer(viewer);
    return this.store.batches.page(args, filter, order);
  }

  /** What one upload may hold (any signed-in user). */
  uploadLimits(viewer: Viewer | null): { maxFilesPerUpload: number; maxFileBytes: number; maxBatchFiles: number } {
    requireViewer(viewer);
    return { maxFilesPerUpload: this.maxFiles, maxFileBytes: this.store.files.maxBytes, maxBatchFiles: MAX_BATCH_FILES };
  }

  /** Batches by id (any signed-in user); uncached, as they change with every processing step. */
  byIds(viewer: Viewer | null, ids: readonly string[]): Batch[] {
    requireViewer(viewer);
    return this.store.batches.byIds(ids);
  }

  /** The batch entries of artefacts (any signed-in user). */
  entriesOf(viewer: Viewer | null, artefactIds: readonly string[]): BatchArtefact[] {
    requireViewer(viewer);
    return this.store.batches.entriesOf(artefactIds);
  }

  /** How many of the batch's artefacts are in each status (any signed-in user). */
  statusCounts(viewer: Viewer | null, batchId: string): Partial<Record<BatchArtefactStatus, number>> {
    requireViewer(viewer);
    return this.store.batches.statusCounts([batchId]).get(batchId) ?? {};
  }

  /** The language steps that failed on artefacts (any signed-in user). */
  failedSteps(viewer: Viewer | null, artefactIds: readonly string[]): StepFailure[] {
    requireViewer(viewer);
    return this.store.stepFailures.ofArtefacts(artefactIds);
  }

  /** How many of the batch's artefacts have a failed language step (any signed-in user). */
  withFailedSteps(viewer: Viewer | null, batchId: string): number {
    requireViewer(viewer);
    return this.store.stepFailures.artefactCounts([batchId]).get(batchId) ?? 0;
  }

  /** The topic of the batch's progress events (any signed-in user). */
  progressTopic(viewer: Viewer | null, batchId: string): string {
    requireViewer(viewer);
    return TOPICS.batchProgress(batchId);
  }

  /** The batch's progress now, the first event of a progress subscription (any signed-in user). */
  progressSnapshot(viewer: Viewer | null, batchId: string): BatchProgressEvent {
    requireViewer(viewer);
    return this.queue.snapshot(batchId);
  }

  /** A new batch of the files that are accepted; with none accepted, no batch is left (`batch` null). */
  async create(viewer: Viewer | null, name: string, files: readonly IncomingFile[], kind: ArtefactKind | null): Promise<{ batch: Batch | null; files: FileOutcome[] }> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const data = parseInput(nameSchema, { name });
    this.checkCount(files);
    const batch = this.store.batches.create({ name: data.name, createdBy: user.id });
    const outcomes = await this.addEach(batch, files, kind, user.id);
    if (outcomes.every((o) => o.artefact === null)) {
      this.store.batches.delete(batch.id);
      return { batch: null, files: outcomes };
    }
    await this.changes.record(user, 'batch.create', { type: 'Batch', id: batch.id }, 'CREATED', ['batches', 'artefacts'], {
      name: batch.name,
      accepted: outcomes.filter((o) => o.artefact).length,
      refused: outcomes.filter((o) => o.error).length,
    });
    return { batch: lookUp(this.store, 'Batch', batch.id), files: outcomes };
  }

  async addFiles(viewer: Viewer | null, batchId: string, files: readonly IncomingFile[], kind: ArtefactKind | null): Promise<{ batch: Batch; files: FileOutcome[] }> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    if (batch.stage !== 'UPLOAD_PENDING') throw new AppError('CONFLICT', 'Files can only be added before the batch is started');
    this.checkCount(files);
    const held = Object.values(this.store.batches.statusCounts([batchId]).get(batchId) ?? {}).reduce((sum, n) => sum + (n ?? 0), 0);
    if (held + files.length > MAX_BATCH_FILES) {
      throw new AppError('BAD_USER_INPUT', `A batch holds at most ${MAX_BATCH_FILES} files; this one has ${held}`, { field: 'files' });
    }
    const outcomes = await this.addEach(batch, files, kind, user.id);
    await this.changes.record(user, 'batch.addFiles', { type: 'Batch', id: batchId }, 'UPDATED', ['batches', 'artefacts'], {
      accepted: outcomes.filter((o) => o.artefact).length,
      refused: outcomes.filter((o) => o.error).length,
    });
    return { batch: lookUp(this.store, 'Batch', batchId), files: outcomes };
  }

  /** Queues a batch for processing (from upload, or again after a cancel). */
  async start(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    if (batch.stage !== 'UPLOAD_PENDING' && batch.stage !== 'CANCELLED') {
      throw new AppError('CONFLICT', `A ${batch.stage.toLowerCase()} batch cannot be started`);
    }
    if (this.store.batches.entries(batchId).length === 0) throw new AppError('BAD_USER_INPUT', 'The batch has no artefacts');
    this.store.batches.setStage(batchId, 'QUEUED');
    await this.changes.record(user, batch.stage === 'CANCELLED' ? 'batch.resume' : 'batch.start', { type: 'Batch', id: batchId }, 'UPDATED', ['batches']);
    this.queue.wake();
    return lookUp(this.store, 'Batch', batchId);
  }

  async cancel(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    const processing = batch.stage === 'QUEUED' || batch.stage === 'PROCESSING';
    const reprocessing = this.store.batches.entries(batchId).some((e) => e.reprocessSteps !== null) || this.queue.isRunning(batchId);
    if (!processing && !reprocessing) throw new AppError('CONFLICT', `A ${batch.stage.toLowerCase()} batch is not running`);
    this.store.db.transaction(() => {
      if (processing) this.store.batches.setStage(batchId, 'CANCELLED');
      this.store.batches.dropReprocess(batchId);
    });
    this.queue.cancel(batchId);
    await this.changes.record(user, 'batch.cancel', { type: 'Batch', id: batchId }, 'UPDATED', ['batches']);
    return lookUp(this.store, 'Batch', batchId);
  }

  /**
   * Queues artefacts to be processed again, with the steps named (every step when none are): the
   * queue takes them in turn with other work. Each artefact must be in a batch that is not being
   * processed or integrated right now.
   */
  async reprocess(viewer: Viewer | null, artefactIds: readonly string[], steps: readonly ProcessingStep[]): Promise<BatchArtefact[]> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const ids = [...new Set(artefactIds)];
    if (ids.length === 0) throw new AppError('BAD_USER_INPUT', 'Name at least one artefact', { field: 'ids' });
    if (ids.length > MAX_REPROCESS) throw new AppError('BAD_USER_INPUT', `At most ${MAX_REPROCESS} artefacts at a time`, { field: 'ids' });
    const chosen = steps.length === 0 ? [...EVERY_STEP] : PROCESSING_STEPS.filter((s) => steps.includes(s));
    return this.queueSteps(user, new Map(ids.map((id) => [id, chosen])));
  }

  /**
   * Queues, for each artefact of the batch, exactly the language steps that failed on it, through
   * the same path as `reprocess`. A batch with no failed steps is refused (nothing to redo).
   */
  async retryFailedSteps(viewer: Viewer | null, batchId: string): Promise<BatchArtefact[]> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    lookUp(this.store, 'Batch', batchId);
    const requests = new Map<string, ProcessingStep[]>();
    for (const failure of this.store.stepFailures.ofBatch(batchId)) {
      const step = PROCESSING_STEPS.find((s) => s === failure.step);
      if (step !== undefined) requests.set(failure.artefactId, [...(requests.get(failure.artefactId) ?? []), step]);
    }
    if (requests.size === 0) throw new AppError('CONFLICT', 'No step of this batch has failed: there is nothing to retry');
    return this.queueSteps(user, requests);
  }

  /** Checks that each artefact can be queued now, then queues its steps and wakes the queue. */
  private async queueSteps(user: Viewer['user'], requests: ReadonlyMap<string, readonly ProcessingStep[]>): Promise<BatchArtefact[]> {
    const ids = [...requests.keys()];
    const entries = this.store.batches.entriesOf(ids);
    for (const id of ids) {
      const entry = entries.find((e) => e.artefactId === id);
      if (!entry) throw this.store.artefacts.byId(id) ? new AppError('BAD_USER_INPUT', `Artefact ${id} is in no batch, so it cannot be queued`, { field: 'ids' }) : notFound('Artefact', id);
      const stage = lookUp(this.store, 'Batch', entry.batchId).stage;
      if (stage === 'QUEUED' || stage === 'PROCESSING' || stage === 'INTEGRATING' || entry.status === 'UNPROCESSED') {
        throw new AppError('CONFLICT', `Artefact ${id} is waiting or being worked on in its batch (${stage.toLowerCase()}); reprocess it once that is over`);
      }
    }
    this.store.db.transaction(() => {
      for (const [id, steps] of requests) this.store.batches.requestReprocess([id], steps);
    });
    for (const batchId of new Set(entries.map((e) => e.batchId))) {
      const artefacts = entries.filter((e) => e.batchId === batchId).map((e) => ({ id: e.artefactId, steps: requests.get(e.artefactId) }));
      await this.changes.record(user, 'batch.reprocess', { type: 'Batch', id: batchId }, 'UPDATED', ['batches'], { artefacts });
    }
    this.queue.wake();
    return this.store.batches.entriesOf(ids);
  }

  /** Deletes the batch and its own artefacts (their memberships and faces go with them). */
  async delete(viewer: Viewer | null, batchId: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = lookUp(this.store, 'Batch', batchId);
    if (batch.stage === 'QUEUED' || batch.stage === 'PROCESSING' || this.queue.isRunning(batchId)) {
      throw new AppError('CONFLICT', 'Cancel the batch before deleting it');
    }
    const entries = this.store.batches.entries(batchId);
    this.store.db.transaction(() => {
      for (const e of entries) this.store.artefacts.delete(e.artefactId);
      this.store.batches.delete(batchId);
    });
    await this.changes.record(user, 'batch.delete', { type: 'Batch', id: batchId }, 'DELETED', ['batches', 'artefacts', 'fields', 'categories', 'books', 'figures'], {
      name: batch.name,
      artefacts: entries.length,
    });
    return batchId;
  }

  private checkCount(files: readonly IncomingFile[]): void {
    if (files.length === 0) throw new AppError('BAD_USER_INPUT', 'No files were sent', { field: 'files' });
    if (files.length > this.maxFiles) throw new AppError('BAD_USER_INPUT', `At most ${this.maxFiles} files per request`, { field: 'files' });
  }

  /**
   * Stores each file on its own as it arrives: a bad one is refused with its reason, the good ones
   * go on. An image already in the catalogue is reported with the artefact it duplicates.
   */
  private async addEach(batch: Batch, files: readonly IncomingFile[], kind: ArtefactKind | null, userId: string): Promise<FileOutcome[]> {
    const seen = new Set<string>();
    const outcomes: FileOutcome[] = [];
    for (const receive of files) {
      const file = await receive();
      const refuse = (code: FileErrorCode, message: string) => outcomes.push({ filename: file.filename, artefact: null, duplicateOf: null, error: { code, message } });
      const key = file.filename.toLowerCase();
      if (seen.has(key)) {
        await discardUpload(file.content);
        refuse('DUPLICATE_FILENAME', 'The same file name appears twice in this upload');
        continue;
      }
      seen.add(key);
      try {
        const stored = await this.store.files.putStream(file.content);
        const duplicateOf = this.store.artefacts.firstWithFile(stored.sha256) ?? null;
        const artefact = this.store.db.transaction(() => {
          const a = this.store.artefacts.create({
            name: file.filename.replace(/\.[A-Za-z0-9]+$/, '').slice(0, 200) || file.filename,
            originalFilename: file.filename,
            fileSha256: stored.sha256,
            kind,
            kindSource: kind === null ? null : 'UPLOADER',
            createdBy: userId,
          });
          this.store.batches.addArtefact(batch.id, a.id);
          return a;
        });
        outcomes.push({ filename: file.filename, artefact, duplicateOf, error: null });
      } catch (error) {
        if (!isAppError(error) || error.code !== 'INVALID_IMAGE') throw error;
        refuse('INVALID_IMAGE', error.message);
      }
    }
    return outcomes;
  }
}
