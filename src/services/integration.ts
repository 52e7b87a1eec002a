import { AppError, notFound } from '../errors.js';
import type { LlmInterface } from '../llm/llm-interface.js';
import { categorise, type CategoryDecision, type CategoryInfo } from '../llm/stages/categorise.js';
import { MAX_PAGE_SIZE } from '../store/pagination.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Batch, BatchArtefactStatus, BatchStage } from '../store/repositories/batches.js';
import type { Category } from '../store/repositories/categories.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import { Tracer } from '../tracing/tracer.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import type { ChangeRecorder } from './changes.js';
import type { Log } from './container.js';
import type { Events, IntegrationOutcome } from './events.js';
import { uniquely } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/** What happened to one artefact, as its batch entry and the progress event record it. */
interface Placement {
  status: BatchArtefactStatus;
  outcome: IntegrationOutcome;
  errorCode: string | null;
  message: string;
}

const STEP = 'integration';
// A restart ends any run, so INTEGRATING without a run in this process may start again.
const STARTABLE: readonly BatchStage[] = ['VETTING', 'COMPLETED', 'INTEGRATING'];
const CONFIRMABLE: readonly BatchArtefactStatus[] = ['PROCESSED', 'FAILED', 'CONFIRMED'];

/**
 * The catalogue integrator. Confirmed event photos of a batch are put into categories by the
 * `categorise` model, one after another in a background job; runs of different batches queue up,
 * so every run sees the categories the runs before it made.
 */
export class IntegrationService {
  private queue: Promise<void> = Promise.resolve();
  private readonly active = new Set<string>();
  private readonly stop = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly llm: LlmInterface,
    private readonly changes: ChangeRecorder,
    private readonly events: Events,
    private readonly log: Log,
    private readonly traces: TraceWriter,
  ) {}

  /** Marks a vetted artefact of a batch as confirmed, ready for integration. */
  async confirm(viewer: Viewer | null, batchId: string, artefactId: string): Promise<Artefact> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
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

  /** Starts integrating the batch's confirmed artefacts in the background and returns the batch at once. */
  async start(viewer: Viewer | null, batchId: string): Promise<Batch> {
    const { user } = requireViewer(viewer, 'ARCHIVIST');
    const batch = this.batch(batchId);
    if (this.active.has(batchId)) throw new AppError('CONFLICT', 'This batch is already being integrated');
    if (!STARTABLE.includes(batch.stage)) {
      throw new AppError('CONFLICT', `A batch can be integrated once it is being vetted (this one is ${batch.stage.toLowerCase()})`);
    }
    const confirmed = this.store.batches.entries(batchId).filter((e) => e.status === 'CONFIRMED').length;
    if (confirmed === 0) throw new AppError('CONFLICT', 'Nothing in this batch is confirmed yet');
    this.active.add(batchId);
    this.store.batches.setStage(batchId, 'INTEGRATING');
    await this.changes.record(user, 'batch.integrate', { type: 'Batch', id: batchId }, 'UPDATED', ['batches'], { confirmed });
    // run() records its own failures; the catch keeps the queue going even if recording fails.
    this.queue = this.queue.then(() => this.run(user, batchId)).catch((error: unknown) => this.log(`catalogue integration of batch ${batchId} failed`, error));
    return this.batch(batchId);
  }

  /** Resolves when every started run has ended. */
  whenIdle(): Promise<void> {
    return this.queue;
  }

  /** Cancels the runs (the artefact being placed stays confirmed) and waits for them to stop. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.queue;
  }

  private batch(id: string): Batch {
    const b = this.store.batches.byIds([id])[0];
    if (!b) throw notFound('Batch', id);
    return b;
  }

  private async run(user: User, batchId: string): Promise<void> {
    const traceId = this.traces.begin({ purpose: `HF catalogue integration for batch ${batchId}`, batchId });
    const tracer = new Tracer(this.traces.add, traceId);
    const entries = this.store.batches.entries(batchId).filter((e) => e.status === 'CONFIRMED');
    const counts: Partial<Record<IntegrationOutcome, number>> = {};
    let done = 0;
    let outcome = 'completed';
    try {
      for (const entry of entries) {
        if (this.stop.signal.aborted) break;
        const placement = await this.place(user, entry.artefactId, tracer);
        if (placement === null) break; // cancelled while asking the model
        this.store.batches.setEntryStatus(batchId, entry.artefactId, placement.status, {
          step: STEP,
          errorCode: placement.errorCode,
          errorMessage: placement.errorCode === null ? null : placement.message,
        });
        done++;
        counts[placement.outcome] = (counts[placement.outcome] ?? 0) + 1;
        tracer.report({
          source: 'integration.artefact',
          level: placement.outcome === 'FAILED' ? 'warn' : 'info',
          message: placement.message,
          data: { artefactId: entry.artefactId, outcome: placement.outcome, done, total: entries.length },
        });
        this.progress(batchId, done, entries.length, entry.artefactId, placement.outcome, placement.message, false);
      }
      if (this.stop.signal.aborted) outcome = 'cancelled';
    } catch (error) {
      outcome = 'failed';
      this.log(`catalogue integration of batch ${batchId} failed`, error);
      tracer.report({ source: 'integration', level: 'error', message: `failed: ${error instanceof Error ? error.message : String(error)}` });
    } finally {
      // Only a run that went through is COMPLETED; otherwise the batch can be integrated again.
      this.store.batches.setStage(batchId, outcome === 'completed' ? 'COMPLETED' : 'VETTING');
      this.traces.finish(traceId, outcome);
      this.active.delete(batchId);
      this.events.catalogueChanged({ entity: 'Batch', id: batchId, change: 'UPDATED', at: new Date().toISOString() });
      const summary = Object.entries(counts).map(([k, n]) => `${n} ${k.toLowerCase().replace('_', ' ')}`);
      this.progress(batchId, done, entries.length, null, null, `Integration ${outcome}${summary.length > 0 ? `: ${summary.join(', ')}` : ''}`, true);
    }
  }

  /** Places one artefact; null when the run was cancelled meanwhile. */
  private async place(user: User, artefactId: string, tracer: Tracer): Promise<Placement | null> {
    const artefact = this.store.artefacts.byId(artefactId);
    if (!artefact) return failed('NOT_FOUND', 'The artefact was deleted');
    // Minutes belong in books, in page order, which a person decides.
    if (artefact.kind === 'MM') {
      return { status: 'INTEGRATED', outcome: 'NOT_APPLICABLE', errorCode: null, message: 'Minutes are not placed automatically; put the page in a book' };
    }
    if (artefact.kind === null) return failed('BAD_USER_INPUT', 'The artefact has no kind; set it, then integrate again');
    const fields = new Map(this.store.artefacts.currentFields([artefactId]).map((f) => [f.field, f.value]));
    // A signal per photo: each request adds an abort listener to the signal it is given, and the
    // service's own signal lives as long as the server.
    const photo = new AbortController();
    const cancel = () => photo.abort();
    this.stop.signal.addEventListener('abort', cancel, { once: true });
    try {
      const answer = await categorise(
        this.llm,
        { name: artefact.name, caption: fields.get('caption') ?? null, additionalInfo: fields.get('additionalInfo') ?? null },
        this.categories().map((c): CategoryInfo => ({ name: c.name, description: c.description ?? '' })),
        { tracer, signal: photo.signal },
      );
      if (answer.status === 'skipped') return { status: 'CONFIRMED', outcome: 'SKIPPED', errorCode: 'SKIPPED', message: `skipped: ${answer.reason}` };
      return await this.apply(user, artefactId, answer.value, answer.model);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'CANCELLED') return null;
      return failed(error.code, `Could not place it automatically: ${error.message}`);
    } finally {
      this.stop.signal.removeEventListener('abort', cancel);
    }
  }

  /** Writes the model's decision: membership with its reason and model, and any revised or new category. */
  private async apply(user: User, artefactId: string, decision: CategoryDecision, model: string): Promise<Placement> {
    const member = (categoryId: string) =>
      this.store.categories.addMember({ categoryId, artefactId, reason: decision.reason, placedBy: 'MODEL', model, userId: null });

    if (decision.decision === 'new') {
      const created = uniquely(`A category named "${decision.name}" was created meanwhile`, () =>
        this.store.db.transaction(() => {
          const c = this.store.categories.create({ name: decision.name, description: decision.description });
          member(c.id);
          return c;
        }),
      );
      await this.changes.record(user, 'integration.createCategory', { type: 'Category', id: created.id }, 'CREATED', ['categories'], {
        name: created.name,
        artefactId,
        model,
      });
      return { status: 'INTEGRATED', outcome: 'CREATED', errorCode: null, message: `Placed in the new category "${created.name}"` };
    }

    const category = this.store.categories.byName(decision.category);
    if (!category) return failed('NOT_FOUND', `The category "${decision.category}" was deleted meanwhile`);
    const revision: { name?: string; description?: string } = {};
    if (decision.revisedName !== undefined && decision.revisedName !== category.name) revision.name = decision.revisedName;
    if (decision.revisedDescription !== undefined && decision.revisedDescription !== category.description) {
      revision.description = decision.revisedDescription;
    }
    const revised = Object.keys(revision).length > 0;
    uniquely(`A category named "${revision.name ?? ''}" was created meanwhile`, () =>
      this.store.db.transaction(() => {
        member(category.id);
        if (revised) this.store.categories.update(category.id, revision);
      }),
    );
    await this.changes.record(user, 'integration.assign', { type: 'Category', id: category.id }, 'UPDATED', ['categories'], {
      artefactId,
      model,
      ...(revised ? { revised: revision } : {}),
    });
    const name = revision.name ?? category.name;
    return revised
      ? { status: 'INTEGRATED', outcome: 'REVISED', errorCode: null, message: `Placed in "${name}", revising its ${Object.keys(revision).join(' and ')}` }
      : { status: 'INTEGRATED', outcome: 'ASSIGNED', errorCode: null, message: `Placed in "${name}"` };
  }

  /** Every category, read afresh for each photo so that later photos see the ones made earlier in the run. */
  private categories(): Category[] {
    const all: Category[] = [];
    for (let after: string | null = null; ; ) {
      const { page } = this.store.categories.page({ first: MAX_PAGE_SIZE, after }, {});
      all.push(...page.items);
      if (!page.hasNextPage) return all;
      after = page.cursors.at(-1) ?? null;
    }
  }

  private progress(
    batchId: string,
    done: number,
    total: number,
    artefactId: string | null,
    outcome: IntegrationOutcome | null,
    message: string,
    finished: boolean,
  ): void {
    this.events.integrationProgress({ batchId, done, total, artefactId, outcome, message, finished, at: new Date().toISOString() });
  }
}

function failed(errorCode: string, message: string): Placement {
  return { status: 'CONFIRMED', outcome: 'FAILED', errorCode, message };
}
