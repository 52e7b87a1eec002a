import { AppError } from '../errors.js';
import type { IntegrationOutcome } from '../events.js';
import type { LlmInterface } from '../llm/llm-interface.js';
import { categorise, type CategoryDecision, type CategoryInfo } from '../llm/stages/categorise.js';
import type { ChangeRecorder } from '../services/changes.js';
import { MAX_PAGE_SIZE } from '../store/pagination.js';
import type { BatchArtefactStatus } from '../store/repositories/batches.js';
import type { Category } from '../store/repositories/categories.js';
import type { User } from '../store/repositories/users.js';
import type { Store } from '../store/store.js';
import type { Tracer } from '../tracing/tracer.js';
import { uniquely } from '../validation.js';

/** What happened to one artefact, as its batch entry and the progress event record it. */
export interface Placement {
  status: BatchArtefactStatus;
  outcome: IntegrationOutcome;
  errorCode: string | null;
  message: string;
}

/** The batch entry's step while and after an artefact is integrated. */
export const INTEGRATION_STEP = 'integration';

/**
 * The catalogue integrator's handler for one confirmed artefact: event photos are put into a
 * category by the `categorise` model (assign, assign and revise, or create, always with a reason);
 * minutes are left for a person to put in a book.
 */
export class IntegrateArtefact {
  constructor(
    private readonly store: Store,
    private readonly llm: LlmInterface,
    private readonly changes: ChangeRecorder,
  ) {}

  /** Places one artefact; null when the run was cancelled meanwhile. */
  async place(user: User, artefactId: string, tracer: Tracer, signal: AbortSignal): Promise<Placement | null> {
    const artefact = this.store.artefacts.byId(artefactId);
    if (!artefact) return failed('NOT_FOUND', 'The artefact was deleted');
    // Minutes belong in books, in page order, which a person decides.
    if (artefact.kind === 'MM') {
      return { status: 'INTEGRATED', outcome: 'NOT_APPLICABLE', errorCode: null, message: 'Minutes are not placed automatically; put the page in a book' };
    }
    if (artefact.kind === null) return failed('BAD_USER_INPUT', 'The artefact has no kind; set it, then integrate again');
    const fields = new Map(this.store.artefacts.currentFields([artefactId]).map((f) => [f.field, f.value]));
    try {
      const answer = await categorise(
        this.llm,
        { name: artefact.name, caption: fields.get('caption') ?? null, additionalInfo: fields.get('additionalInfo') ?? null },
        this.categories().map((c): CategoryInfo => ({ name: c.name, description: c.description ?? '' })),
        { tracer, signal },
      );
      if (answer.status === 'skipped') return { status: 'CONFIRMED', outcome: 'SKIPPED', errorCode: 'SKIPPED', message: `skipped: ${answer.reason}` };
      return await this.apply(user, artefactId, answer.value, answer.model);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'CANCELLED') return null;
      return failed(error.code, `Could not place it automatically: ${error.message}`);
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
}

function failed(errorCode: string, message: string): Placement {
  return { status: 'CONFIRMED', outcome: 'FAILED', errorCode, message };
}
