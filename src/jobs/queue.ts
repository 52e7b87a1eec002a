import { AppError, isAppError } from '../errors.js';
import type { BatchProgressEvent, Events, IntegrationOutcome } from '../events.js';
import type { ReadCache } from '../cache/read-cache.js';
import type { Batch, BatchArtefact, BatchStage } from '../store/repositories/batches.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { Tracer } from '../tracing/tracer.js';
import { INTEGRATION_STEP, type IntegrateArtefact, type Placement } from './integrate-artefact.js';
import type { ProcessArtefact } from './process-artefact.js';
import type { ReembedFaces } from './reembed-faces.js';
import { ALL_STEPS, parseSteps, type ProcessingStep } from './steps.js';

export type Log = (message: string, error: unknown) => void;

/** What the services ask of the queue: JobQueue itself, or ForwardedQueue on a secondary API instance. */
export type QueueControl = Pick<JobQueue, 'wake' | 'cancel' | 'isRunning' | 'snapshot'>;

const ACTIVE: readonly BatchStage[] = ['QUEUED', 'PROCESSING'];
const STEP_DONE = 'done';

/** An artefact to process (every step, from the batch) or reprocess (the steps a person asked for). */
interface ProcessingJob {
  kind: 'process' | 'reprocess';
  batch: Batch;
  entry: BatchArtefact;
  steps: ReadonlySet<ProcessingStep>;
}

/** A confirmed artefact to place in the catalogue. */
interface IntegrationJob {
  batch: Batch;
  entry: BatchArtefact;
}

/** An integration run of one batch, as this process has seen it. */
interface IntegrationRun {
  traceId: string;
  tracer: Tracer;
  actor: User | null;
  done: number;
  total: number;
  counts: Partial<Record<IntegrationOutcome, number>>;
}

/**
 * The durable queue of all background work, with one handler per kind of job. Its state lives in
 * SQLite, on the batch entries, so a restart loses nothing and redoes nothing that finished:
 * - process: an UNPROCESSED entry of a QUEUED or PROCESSING batch (ProcessArtefact, every step);
 * - reprocess: an entry with reprocess steps requested (ProcessArtefact, those steps);
 * - integrate: a CONFIRMED entry of an INTEGRATING batch not yet tried in this run (IntegrateArtefact).
 * Up to `concurrency` artefacts are processed at once, taken from the batches in turn, so several
 * batches progress together; integration places one artefact at a time, so each placement sees the
 * categories made before it. At boot, artefacts a stopped run left PROCESSING go back to UNPROCESSED.
 * Cancelling is cooperative: running artefacts stop between steps.
 * - reembed: at boot, stored faces whose embeddings another model made are embedded again
 *   (ReembedFaces; its state is the faces' rows), beside the other work.
 */
export class JobQueue {
  private readonly running = new Map<string, { batchId: string; controller: AbortController }>();
  private readonly started = new Map<string, { at: number; done: number }>();
  private readonly integrations = new Map<string, IntegrationRun>();
  private integrating: Promise<void> | null = null;
  private reembedding: { done: Promise<void>; controller: AbortController } | null = null;
  private closed = false;
  private turn = 0;

  constructor(
    private readonly store: Store,
    private readonly events: Events,
    private readonly cache: ReadCache,
    private readonly traces: TraceWriter,
    private readonly handlers: { process: ProcessArtefact; integrate: IntegrateArtefact; reembed: ReembedFaces },
    private readonly concurrency: number,
    private readonly log: Log,
  ) {}

  /**
   * Recovers what a stopped or crashed run left half-done, in any batch (a batch cancelled just
   * before a crash included), closes its traces as interrupted, and starts taking work.
   */
  start(): void {
    this.store.batches.requeueInterrupted([STEP_DONE, INTEGRATION_STEP]);
    this.traces.interruptUnfinished();
    this.reembed();
    this.wake();
  }

  /** Embeds again the faces an earlier embedder made, if any; a failure is logged and retried at the next boot. */
  private reembed(): void {
    if (this.handlers.reembed.pending() === 0) return;
    const controller = new AbortController();
    const done = this.handlers.reembed
      .run(controller.signal)
      .catch((error: unknown) => this.log('embedding stored faces again failed', error))
      .finally(async () => {
        this.reembedding = null;
        await this.cache.invalidate(['figures']);
      });
    this.reembedding = { done, controller };
  }

  /** Looks for work: call after work is queued in the store. */
  wake(): void {
    if (this.closed) return;
    while (this.running.size < this.concurrency) {
      const next = this.nextProcessing();
      if (next === null) break;
      void this.process(next);
    }
    if (this.integrating === null) {
      const next = this.nextIntegration();
      if (next !== null) {
        this.integrating = this.integrate(next).finally(() => {
          this.integrating = null;
          this.wake();
        });
      }
    }
  }

  /** Stops the batch's running artefacts at their next step boundary. */
  cancel(batchId: string): void {
    for (const r of this.running.values()) if (r.batchId === batchId) r.controller.abort();
  }

  isRunning(batchId: string): boolean {
    return [...this.running.values()].some((r) => r.batchId === batchId);
  }

  /** Resolves once nothing runs: every job found in the store is done (or the queue is closed). */
  async whenIdle(): Promise<void> {
    while (this.running.size > 0 || this.integrating !== null || this.reembedding !== null) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Takes no new work and waits for the running jobs (which stop at their next step). */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.running.values()) r.controller.abort();
    this.reembedding?.controller.abort();
    await this.whenIdle();
    // The runs carry on at the next boot, under a new trace.
    for (const run of this.integrations.values()) this.traces.finish(run.traceId, 'interrupted');
    this.integrations.clear();
  }

  /** The batch's progress now (also the first event of every subscription). */
  snapshot(batchId: string): BatchProgressEvent {
    const batch = this.store.batches.byIds([batchId])[0];
    if (!batch) throw new AppError('NOT_FOUND', `Batch ${batchId} not found`);
    // The number of the last event sent, not a new one: a snapshot is no event of the batch.
    return this.event(batch, null, this.store.batches.progressSeq(batchId));
  }

  /** The next artefact to process or reprocess, taking the batches with such work in turn. */
  private nextProcessing(): ProcessingJob | null {
    const batches = this.store.batches.withProcessingWork(ACTIVE);
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[(this.turn + i) % batches.length] as Batch;
      const active = ACTIVE.includes(batch.stage);
      for (const entry of this.store.batches.entries(batch.id)) {
        if (this.running.has(entry.artefactId)) continue;
        const requested = parseSteps(entry.reprocessSteps);
        const job: ProcessingJob | null =
          active && entry.status === 'UNPROCESSED'
            ? { kind: 'process', batch, entry, steps: ALL_STEPS }
            : requested !== null && entry.status !== 'UNPROCESSED' && entry.status !== 'PROCESSING'
              ? { kind: 'reprocess', batch, entry, steps: requested }
              : null;
        if (job !== null) {
          this.turn = (this.turn + i + 1) % batches.length;
          return job;
        }
      }
      this.finishIfDone(batch);
    }
    return null;
  }

  private async process(job: ProcessingJob): Promise<void> {
    const { batch, entry } = job;
    const controller = new AbortController();
    this.running.set(entry.artefactId, { batchId: batch.id, controller });
    const first = job.kind === 'process';
    if (first && batch.stage === 'QUEUED') this.store.batches.setStage(batch.id, 'PROCESSING');
    if (first && !this.started.has(batch.id)) this.started.set(batch.id, { at: Date.now(), done: 0 });
    const began = performance.now();
    // A reprocessing that a shutdown stopped stays requested, for the next boot.
    let keepRequest = false;
    const update = (changes: Parameters<Store['batches']['updateEntry']>[1]) => {
      this.store.batches.updateEntry(entry.artefactId, changes);
      this.publish(batch.id, entry.artefactId);
    };
    // A reprocessed entry keeps its place in vetting (PROCESSED, CONFIRMED, …); only its step shows
    // the run. Its requested steps stay until it ends, so a crash cannot lose it.
    update(first ? { status: 'PROCESSING', step: 'queued', errorCode: null, errorMessage: null, reprocessSteps: null } : { step: 'reprocessing' });
    try {
      const artefact = this.store.artefacts.byId(entry.artefactId);
      if (!artefact) throw new AppError('NOT_FOUND', `Artefact ${entry.artefactId} is gone`);
      await this.handlers.process.run(artefact, { batchId: batch.id, steps: job.steps, signal: controller.signal, onStep: (step) => update({ step }) });
      const finished = { step: STEP_DONE, durationMs: Math.round(performance.now() - began), processedAt: new Date().toISOString() };
      update(first || entry.status === 'FAILED' ? { status: 'PROCESSED', ...finished, errorCode: null, errorMessage: null } : finished);
      const s = this.started.get(batch.id);
      if (s && first) s.done += 1;
    } catch (error) {
      if (isAppError(error) && error.code === 'CANCELLED') {
        // Back in the queue: a resume (or the next boot) picks it up from the start. A cancelled
        // reprocessing is dropped, unless it was a shutdown that stopped it.
        update({ step: null, ...(first ? { status: 'UNPROCESSED' as const } : {}) });
        keepRequest = !first && this.closed;
      } else {
        if (!isAppError(error)) this.log(`processing artefact ${entry.artefactId} failed`, error);
        update({
          ...(first || entry.status === 'PROCESSED' ? { status: 'FAILED' as const } : {}),
          step: null,
          errorCode: isAppError(error) ? error.code : 'INTERNAL',
          errorMessage: isAppError(error) ? error.message : 'Unexpected error; see the server log and the trace',
          durationMs: Math.round(performance.now() - began),
          processedAt: new Date().toISOString(),
        });
      }
    } finally {
      if (!first && !keepRequest) this.store.batches.settleReprocess(entry.artefactId, entry.reprocessSteps ?? []);
      this.running.delete(entry.artefactId);
      await this.cache.invalidate(['artefacts', 'fields', 'figures', 'batches']);
      this.finishIfDone(this.store.batches.byIds([batch.id])[0]);
      this.wake();
    }
  }

  /** A processing batch with nothing left to do moves on to vetting. */
  private finishIfDone(batch: Batch | undefined): void {
    if (!batch || batch.stage !== 'PROCESSING' || this.isRunning(batch.id)) return;
    const entries = this.store.batches.entries(batch.id);
    if (entries.some((e) => e.status === 'UNPROCESSED' || e.status === 'PROCESSING')) return;
    this.store.batches.setStage(batch.id, 'VETTING');
    this.started.delete(batch.id);
    this.publish(batch.id, null);
  }

  /** The next confirmed artefact to place, oldest integrating batch first. */
  private nextIntegration(): IntegrationJob | null {
    for (const batch of this.store.batches.inStages(['INTEGRATING'])) {
      const entry = this.store.batches.entries(batch.id).find((e) => e.status === 'CONFIRMED' && e.step !== INTEGRATION_STEP);
      if (entry) return { batch, entry };
      this.finishIntegration(batch.id);
    }
    return null;
  }

  private async integrate({ batch, entry }: IntegrationJob): Promise<void> {
    const run = this.integrationRun(batch.id);
    const controller = new AbortController();
    this.running.set(`integrate:${entry.artefactId}`, { batchId: batch.id, controller });
    try {
      let outcome: Placement;
      if (run.actor === null) {
        outcome = { status: 'CONFIRMED', outcome: 'FAILED', errorCode: 'NOT_FOUND', message: 'The person who started this integration no longer exists; start it again' };
      } else {
        const placement = await this.handlers.integrate.place(run.actor, entry.artefactId, run.tracer, controller.signal);
        // Cancelled by a shutdown: the artefact stays queued for the next boot.
        if (placement === null) return;
        outcome = placement;
      }
      this.store.batches.setEntryStatus(batch.id, entry.artefactId, outcome.status, {
        step: INTEGRATION_STEP,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorCode === null ? null : outcome.message,
      });
      run.done += 1;
      run.counts[outcome.outcome] = (run.counts[outcome.outcome] ?? 0) + 1;
      run.tracer.report({
        source: 'integration.artefact',
        level: outcome.outcome === 'FAILED' ? 'warn' : 'info',
        message: outcome.message,
        data: { artefactId: entry.artefactId, outcome: outcome.outcome, done: run.done, total: run.total },
      });
      this.events.integrationProgress({ batchId: batch.id, done: run.done, total: run.total, artefactId: entry.artefactId, outcome: outcome.outcome, message: outcome.message, finished: false, at: new Date().toISOString() });
    } catch (error) {
      // Unexpected: recorded on the entry, and the run goes on with the next artefact.
      this.log(`integrating artefact ${entry.artefactId} failed`, error);
      run.tracer.report({ source: 'integration', level: 'error', message: `failed: ${error instanceof Error ? error.message : String(error)}` });
      this.store.batches.setEntryStatus(batch.id, entry.artefactId, 'CONFIRMED', { step: INTEGRATION_STEP, errorCode: 'INTERNAL', errorMessage: 'Unexpected error; see the server log and the trace' });
    } finally {
      this.running.delete(`integrate:${entry.artefactId}`);
      await this.cache.invalidate(['batches', 'categories']);
    }
  }

  /** This process's view of a batch's integration run; after a restart, a new trace carries on. */
  private integrationRun(batchId: string): IntegrationRun {
    const known = this.integrations.get(batchId);
    if (known) return known;
    const traceId = this.traces.begin({ purpose: `HF catalogue integration for batch ${batchId}`, batchId });
    // The run acts for whoever started it, as the audit log records.
    const started = this.store.audit.page({ last: 1 }, { action: 'batch.integrate', targetId: batchId }).page.items[0];
    const actor = started?.actorId ? (this.store.users.byId(started.actorId) ?? null) : null;
    const total = this.store.batches.entries(batchId).filter((e) => e.status === 'CONFIRMED' && e.step !== INTEGRATION_STEP).length;
    const run: IntegrationRun = { traceId, tracer: new Tracer(this.traces.add, traceId), actor, done: 0, total, counts: {} };
    this.integrations.set(batchId, run);
    return run;
  }

  /** Nothing left to place: the batch is COMPLETED and the run's trace and subscribers are told. */
  private finishIntegration(batchId: string): void {
    const run = this.integrations.get(batchId);
    this.store.batches.setStage(batchId, 'COMPLETED');
    this.integrations.delete(batchId);
    if (run) this.traces.finish(run.traceId, 'completed');
    this.events.catalogueChanged({ entity: 'Batch', id: batchId, change: 'UPDATED', at: new Date().toISOString() });
    const summary = Object.entries(run?.counts ?? {}).map(([k, n]) => `${n} ${k.toLowerCase().replace('_', ' ')}`);
    this.events.integrationProgress({
      batchId,
      done: run?.done ?? 0,
      total: run?.total ?? 0,
      artefactId: null,
      outcome: null,
      message: `Integration completed${summary.length > 0 ? `: ${summary.join(', ')}` : ''}`,
      finished: true,
      at: new Date().toISOString(),
    });
  }

  private publish(batchId: string, artefactId: string | null): void {
    const batch = this.store.batches.byIds([batchId])[0];
    if (batch) this.events.batchProgress(this.event(batch, artefactId, this.store.batches.nextProgressSeq(batchId)));
  }

  private event(batch: Batch, artefactId: string | null, seq: number): BatchProgressEvent {
    const entries = this.store.batches.entries(batch.id);
    const entry = artefactId === null ? undefined : entries.find((e) => e.artefactId === artefactId);
    const done = entries.filter((e) => e.status !== 'UNPROCESSED' && e.status !== 'PROCESSING').length;
    const failed = entries.filter((e) => e.status === 'FAILED').length;
    const pace = this.started.get(batch.id);
    // Wall time per finished artefact already reflects how many run at once.
    const eta = pace && pace.done > 0 ? Math.round((((Date.now() - pace.at) / pace.done) * (entries.length - done)) / 1000) : null;
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
