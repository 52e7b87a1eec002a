import { z } from 'zod';
import { AppError, isAppError, notFound } from '../errors.js';
import type { Artefact, ArtefactKind } from '../store/repositories/artefacts.js';
import type { Batch } from '../store/repositories/batches.js';
import type { Store } from '../store/store.js';
import type { ChangeRecorder } from './changes.js';
import type { ImportProcessor } from './import-processor.js';
import { parseInput, trimmed } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/** One uploaded file, received only when its turn comes (uploads arrive in order on one stream). */
export type IncomingFile = () => Promise<{ filename: string; data: Buffer } | { filename: string; error: AppError }>;

export interface FileOutcome {
  filename: string;
  artefact: Artefact | null;
  error: { code: string; message: string } | null;
}

const nameSchema = z.object({ name: trimmed(1, 120) });

/**
 * Batches: upload (each file checked and reported on by itself), start, cancel, resume, delete.
 * The work itself is the ImportProcessor's.
 */
export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly changes: ChangeRecorder,
    private readonly processor: ImportProcessor,
    private readonly maxFiles: number,
  ) {}

  batch(id: string): Batch {
    const b = this.store.batches.byIds([id])[0];
    if (!b) throw notFound('Batch', id);
    return b;
  }

  async create(viewer: Viewer | null, name: string, files: readonly IncomingFile[], kind: ArtefactKind | null): Promise<{ batch: Batch; files: FileOutcome[] }> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const data = parseInput(nameSchema, { name });
    this.checkCount(files);
    const batch = this.store.batches.create({ name: data.name, createdBy: user.id });
    const outcomes = await this.addEach(batch, files, kind, user.id);
    await this.changes.record(user, 'batch.create', { type: 'Batch', id: batch.id }, 'CREATED', ['batches', 'artefacts'], {
      name: batch.name,
      accepted: outcomes.filter((o) => o.artefact).length,
      refused: outcomes.filter((o) => o.error).length,
    });
    return { batch: this.batch(batch.id), files: outcomes };
  }

  async addFiles(viewer: Viewer | null, batchId: string, files: readonly IncomingFile[], kind: ArtefactKind | null): Promise<{ batch: Batch; files: FileOutcome[] }> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
    if (batch.stage !== 'UPLOAD_PENDING') throw new AppError('CONFLICT', 'Files can only be added before the batch is started');
    this.checkCount(files);
    const outcomes = await this.addEach(batch, files, kind, user.id);
    await this.changes.record(user, 'batch.addFiles', { type: 'Batch', id: batchId }, 'UPDATED', ['batches', 'artefacts'], {
      accepted: outcomes.filter((o) => o.artefact).length,
      refused: outcomes.filter((o) => o.error).length,
    });
    return { batch: this.batch(batchId), files: outcomes };
  }

  /** Queues a batch for processing (from upload, or again after a cancel). */
  async start(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
    if (batch.stage !== 'UPLOAD_PENDING' && batch.stage !== 'CANCELLED') {
      throw new AppError('CONFLICT', `A ${batch.stage.toLowerCase()} batch cannot be started`);
    }
    if (this.store.batches.entriesOfBatch(batchId).length === 0) throw new AppError('BAD_USER_INPUT', 'The batch has no artefacts');
    this.store.batches.setStage(batchId, 'QUEUED');
    await this.changes.record(user, batch.stage === 'CANCELLED' ? 'batch.resume' : 'batch.start', { type: 'Batch', id: batchId }, 'UPDATED', ['batches']);
    this.processor.wake();
    return this.batch(batchId);
  }

  async cancel(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
    if (batch.stage !== 'QUEUED' && batch.stage !== 'PROCESSING') throw new AppError('CONFLICT', `A ${batch.stage.toLowerCase()} batch is not running`);
    this.store.batches.setStage(batchId, 'CANCELLED');
    this.processor.cancel(batchId);
    await this.changes.record(user, 'batch.cancel', { type: 'Batch', id: batchId }, 'UPDATED', ['batches']);
    return this.batch(batchId);
  }

  /** Deletes the batch and its own artefacts (their memberships and faces go with them). */
  async delete(viewer: Viewer | null, batchId: string): Promise<string> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
    if (batch.stage === 'QUEUED' || batch.stage === 'PROCESSING' || this.processor.isRunning(batchId)) {
      throw new AppError('CONFLICT', 'Cancel the batch before deleting it');
    }
    const entries = this.store.batches.entriesOfBatch(batchId);
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

  /** Stores each file on its own: a bad one is refused with its reason, the good ones go on. */
  private async addEach(batch: Batch, files: readonly IncomingFile[], kind: ArtefactKind | null, userId: string): Promise<FileOutcome[]> {
    const seen = new Set<string>();
    const outcomes: FileOutcome[] = [];
    for (const receive of files) {
      const file = await receive();
      const refuse = (code: string, message: string) => outcomes.push({ filename: file.filename, artefact: null, error: { code, message } });
      if ('error' in file) {
        refuse(file.error.code, file.error.message);
        continue;
      }
      const key = file.filename.toLowerCase();
      if (seen.has(key)) {
        refuse('BAD_USER_INPUT', 'The same file name appears twice in this upload');
        continue;
      }
      seen.add(key);
      try {
        const stored = await this.store.files.putImage(file.data);
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
        outcomes.push({ filename: file.filename, artefact, error: null });
      } catch (error) {
        if (!isAppError(error)) throw error;
        refuse(error.code, error.message);
      }
    }
    return outcomes;
  }
}
