import { AppError, isAppError } from '../errors.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Batch, BatchArtefact } from '../store/repositories/batches.js';
import type { Store } from '../store/store.js';
import type { Events } from './events.js';
import type { ReadCache } from '../cache/read-cache.js';

/** Runs the pipelines on one stored artefact and persists what they found. */
export interface ArtefactPipeline {
  run(artefact: Artefact, options: { batchId: string; signal: AbortSignal; onStep: (step: string) => void }): Promise<void>;
}

export interface BatchProgressEvent {
  batchId: string;
  seq: number;
  artefactId: string | null;
  status: BatchArtefact['status'] | null;
  step: string | null;
  stage: Batch['stage'];
  total: number;
  done: number;
  failed: number;
  /** Seconds left at the average pace so far; null until one artefact has finished. */
  etaSeconds: number | null;
  at: string;
}

const ACTIVE: readonly Batch['stage'][] = ['QUEUED', 'PROCESSING'];

/**
 * The durable queue of batch work. All state lives in SQLite: a batch is QUEUED or PROCESSING,
 * each artefact UNPROCESSED, PROCESSING, PROCESSED or FAILED. At boot, artefacts a stopped run left
 * PROCESSING go back to UNPROCESSED, so a restart loses nothing and redoes nothing that finished.
 * Up to `concurrency` artefacts run at once, taken from the active batches in turn, so several
 * batches progress together. Cancelling is cooperative: running artefacts stop between steps.
 */
export class ImportProcessor {
  private readonly running = new Map<string, { batchId: string; controller: AbortController }>();
  private readonly seq = new Map<string, number>();
  private readonly started = new Map<string, { at: number; done: number }>();
  private closed = false;
  private turn = 0;

  constructor(
    private readonly store: Store,
    private readonly events: Events,
    private readonly cache: ReadCache,
    private readonly pipeline: ArtefactPipeline,
    private readonly concurrency: number,
    private readonly log: (message: string, error: unknown) => void,
  ) {}

  static topic(batchId: string): string {
    return `BATCH_PROGRESS_${batchId}`;
  }

  /** Recovers interrupted work and starts taking it. */
  start(): void {
    for (const batch of this.store.batches.inStages(ACTIVE)) this.store.batches.requeueInterrupted(batch.id);
    this.pump();
  }

  /** Looks for work: call after a batch is queued or resumed. */
  wake(): void {
    this.pump();
  }

  /** Stops the batch's running artefacts at their next step boundary. */
  cancel(batchId: string): void {
    for (const r of this.running.values()) if (r.batchId === batchId) r.controller.abort();
  }

  isRunning(batchId: string): boolean {
    return [...this.running.values()].some((r) => r.batchId === batchId);
  }

  /** Takes no new work and waits for the running artefacts (which stop at their next step). */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.running.values()) r.controller.abort();
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** The batch's progress now (also the first event of every subscription). */
  snapshot(batchId: string): BatchProgressEvent {
    const batch = this.store.batches.byIds([batchId])[0];
    if (!batch) throw new AppError('NOT_FOUND', `Batch ${batchId} not found`);
    return this.event(batch, null);
  }

  private pump(): void {
    if (this.closed) return;
    while (this.running.size < this.concurrency) {
      const next = this.nextWork();
      if (next === null) break;
      void this.process(next.batch, next.entry);
    }
  }

  /** The next unprocessed artefact, taking the active batches in turn. */
  private nextWork(): { batch: Batch; entry: BatchArtefact } | null {
    const batches = this.store.batches.inStages(ACTIVE);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[(this.turn + i) % batches.length] as Batch;
      const entry = this.store.batches.entriesOfBatch(batch.id).find((e) => e.status === 'UNPROCESSED' && !this.running.has(e.artefactId));
      if (entry) {
        this.turn = (this.turn + i + 1) % Math.max(batches.length, 1);
        return { batch, entry };
      }
      this.finishIfDone(batch);
    }
    return null;
  }

  private async process(batch: Batch, entry: BatchArtefact): Promise<void> {
    const controller = new AbortController();
    this.running.set(entry.artefactId, { batchId: batch.id, controller });
    if (batch.stage === 'QUEUED') this.store.batches.setStage(batch.id, 'PROCESSING');
    if (!this.started.has(batch.id)) this.started.set(batch.id, { at: Date.now(), done: 0 });
    const began = performance.now();
    const update = (changes: Parameters<Store['batches']['updateEntry']>[1]) => {
      this.store.batches.updateEntry(entry.artefactId, changes);
      this.publish(batch.id, entry.artefactId);
    };
    update({ status: 'PROCESSING', step: 'queued', errorCode: null, errorMessage: null });
    try {
      const artefact = this.store.artefacts.byId(entry.artefactId);
      if (!artefact) throw new AppError('NOT_FOUND', `Artefact ${entry.artefactId} is gone`);
      await this.pipeline.run(artefact, {
        batchId: batch.id,
        signal: controller.signal,
        onStep: (step) => update({ step }),
      });
      update({ status: 'PROCESSED', step: 'done', durationMs: Math.round(performance.now() - began), processedAt: new Date().toISOString() });
      const s = this.started.get(batch.id);
      if (s) s.done += 1;
    } catch (error) {
      if (isAppError(error) && error.code === 'CANCELLED') {
        // Back in the queue: a resume picks it up from the start.
        update({ status: 'UNPROCESSED', step: null });
      } else {
        if (!isAppError(error)) this.log(`processing artefact ${entry.artefactId} failed`, error);
        update({
          status: 'FAILED',
          step: null,
          errorCode: isAppError(error) ? error.code : 'INTERNAL',
          errorMessage: isAppError(error) ? error.message : 'Unexpected error; see the server log and the trace',
          durationMs: Math.round(performance.now() - began),
          processedAt: new Date().toISOString(),
        });
      }
    } finally {
      this.running.delete(entry.artefactId);
      await this.cache.invalidate(['artefacts', 'fields', 'figures', 'batches']);
      this.finishIfDone(this.store.batches.byIds([batch.id])[0]);
      this.pump();
    }
  }

  /** A processing batch with nothing left to do moves on to vetting. */
  private finishIfDone(batch: Batch | undefined): void {
    if (!batch || batch.stage !== 'PROCESSING' || this.isRunning(batch.id)) return;
    const entries = this.store.batches.entriesOfBatch(batch.id);
    if (entries.some((e) => e.status === 'UNPROCESSED' || e.status === 'PROCESSING')) return;
    this.store.batches.setStage(batch.id, 'VETTING');
    this.started.delete(batch.id);
    this.publish(batch.id, null);
  }

  private publish(batchId: string, artefactId: string | null): void {
    const batch = this.store.batches.byIds([batchId])[0];
    if (!batch) return;
    this.events.emitter.emit({ topic: ImportProcessor.topic(batchId), payload: { batchProgress: this.event(batch, artefactId) } });
  }

  private event(batch: Batch, artefactId: string | null): BatchProgressEvent {
    const entries = this.store.batches.entriesOfBatch(batch.id);
    const entry = artefactId === null ? undefined : entries.find((e) => e.artefactId === artefactId);
    const done = entries.filter((e) => e.status !== 'UNPROCESSED' && e.status !== 'PROCESSING').length;
    const failed = entries.filter((e) => e.status === 'FAILED').length;
    const seq = (this.seq.get(batch.id) ?? 0) + 1;
    this.seq.set(batch.id, seq);
    const pace = this.started.get(batch.id);
    // Wall time per finished artefact already reflects how many run at once.
    const eta = pace && pace.done > 0 ? Math.round(((Date.now() - pace.at) / pace.done) * (entries.length - done) / 1000) : null;
    return {
      batchId: batch.id,
      seq,
      artefactId,
      status: entry?.status ?? null,
      step: entry?.step ?? null,
      stage: batch.stage,
      total: entries.length,
      done,
      failed,
      etaSeconds: batch.stage === 'PROCESSING' ? eta : null,
      at: new Date().toISOString(),
    };
  }
}
