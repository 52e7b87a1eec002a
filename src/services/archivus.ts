import { z } from 'zod';
import { AppError } from '../errors.js';
import type { LlmInterface } from '../llm/llm-interface.js';
import type { ArtefactKind } from '../artefact-kind.js';
import { askArchivus, MAX_HISTORY_TURNS, type ArchivusInput } from '../llm/stages/archivus.js';
import type { Artefact, MetadataField } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import { Tracer } from '../tracing/tracer.js';
import { lookUp } from './lookup.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { parseInput, trimmed } from '../validation.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';
import type { ArchivusQuota } from './archivus-quota.js';

export const QUESTION_MAX_CHARS = 2000;
export const TURN_MAX_CHARS = 4000;

// Roles are an enum of user and assistant only: a client cannot slip in a system turn.
const chatSchema = z.object({
  question: trimmed(1, QUESTION_MAX_CHARS),
  history: z
    .array(z.object({ role: z.enum(['USER', 'ASSISTANT']), content: trimmed(1, TURN_MAX_CHARS) }))
    .max(MAX_HISTORY_TURNS, { error: `send at most the last ${MAX_HISTORY_TURNS} turns` })
    .nullish(),
});

export interface ChatRequest {
  question: string;
  history?: ReadonlyArray<{ role: string; content: string }> | null;
}

export type ArchivusAnswer =
  | { status: 'ANSWERED'; answer: string; model: string }
  | { status: 'SKIPPED'; reason: string };

/** One piece of a streamed answer; the last has `done`, and says why when the step was skipped. */
export interface ArchivusChunk {
  delta: string;
  done: boolean;
  model: string | null;
  skippedReason: string | null;
}

/** The fields Archivus may talk about, with the labels it sees, by kind. */
const FACT_FIELDS: Readonly<Record<ArtefactKind, ReadonlyArray<[MetadataField, string]>>> = {
  MM: [
    ['transcription', 'Transcription (Traditional Chinese)'],
    ['simplified', 'Simplified Chinese'],
    ['translation', 'English translation'],
    ['summary', 'Summary'],
    ['description', 'Description'],
    ['additionalInfo', 'Additional information'],
  ],
  HF: [
    ['caption', 'Caption'],
    ['bannerText', 'Text on banners'],
    ['description', 'Description'],
    ['additionalInfo', 'Additional information'],
  ],
};

/** The in-item chatbot: answers about one artefact from what the catalogue records about it. */
export class ArchivusService {
  constructor(
    private readonly store: Store,
    private readonly llm: LlmInterface,
    private readonly traces: TraceWriter,
    private readonly quota: ArchivusQuota,
  ) {}

  /** The whole answer at once. */
  async ask(viewer: Viewer | null, artefactId: string, request: ChatRequest): Promise<ArchivusAnswer> {
    let answer = '';
    let model = '';
    for await (const chunk of this.stream(viewer, artefactId, request)) {
      if (chunk.skippedReason !== null) return { status: 'SKIPPED', reason: chunk.skippedReason };
      answer += chunk.delta;
      model = chunk.model ?? model;
    }
    return { status: 'ANSWERED', answer: answer.trim(), model };
  }

  /**
   * The answer token by token, then a closing chunk with `done`. Input and access are checked
   * before the first chunk (this throws at once); the user's quota at the first read; a model
   * failure is thrown from the stream. `signal` cancels the request to the model (a closed
   * subscription), even while it waits for the model.
   */
  stream(viewer: Viewer | null, artefactId: string, request: ChatRequest, signal?: AbortSignal): AsyncGenerator<ArchivusChunk> {
    const { user } = requireViewer(viewer);
    const input = parseInput(chatSchema, request);
    const artefact = lookUp(this.store, 'Artefact', artefactId);
    const kind = this.chatKind(artefact);
    return this.chunks(user.id, artefactId, signal, {
      kind,
      name: artefact.name,
      facts: this.facts(artefact, kind),
      history: (input.history ?? []).map((t) => ({ role: t.role === 'USER' ? 'user' : 'assistant', content: t.content })),
      message: input.question,
    });
  }

  // The trace starts with the first read, so a stream nobody reads leaves no unfinished trace.
  private async *chunks(userId: string, artefactId: string, signal: AbortSignal | undefined, input: ArchivusInput): AsyncGenerator<ArchivusChunk> {
    const end = this.quota.admit(userId);
    let tokens = 0;
    const traceId = this.traces.begin({ purpose: `Archivus chat about artefact ${artefactId}`, artefactId });
    // Stays "abandoned" when the reader stops before the end.
    let outcome = 'abandoned';
    try {
      const reply = askArchivus(this.llm, input, { tracer: new Tracer(this.traces.add, traceId), ...(signal === undefined ? {} : { signal }) });
      if (reply.status === 'skipped') {
        outcome = 'skipped';
        yield { delta: '', done: true, model: null, skippedReason: reply.reason };
        return;
      }
      try {
        for await (const token of reply.tokens) yield { delta: token, done: false, model: reply.model, skippedReason: null };
      } finally {
        tokens = reply.usage.promptTokens + reply.usage.completionTokens;
      }
      outcome = 'answered';
      yield { delta: '', done: true, model: reply.model, skippedReason: null };
    } catch (error) {
      outcome = error instanceof AppError ? error.code : 'failed';
      throw error;
    } finally {
      end(tokens);
      this.traces.finish(traceId, outcome);
    }
  }

  // An artefact not yet classified is talked about as minutes when it has a transcription.
  private chatKind(artefact: Artefact): ArtefactKind {
    if (artefact.kind !== null) return artefact.kind;
    return this.store.artefacts.currentFields([artefact.id]).some((f) => f.field === 'transcription' && f.value) ? 'MM' : 'HF';
  }

  /** The current metadata of the kind, the named figures in it and its categories, by label. */
  private facts(artefact: Artefact, kind: ArtefactKind): Record<string, string | null> {
    const current = new Map(this.store.artefacts.currentFields([artefact.id]).map((f) => [f.field, f.value]));
    const facts: Record<string, string | null> = {};
    for (const [field, label] of FACT_FIELDS[kind]) facts[label] = current.get(field) ?? null;
    const people = this.store.figures
      .figuresIn([artefact.id])
      .map((f) => f.figure.label)
      .filter((label): label is string => label !== null);
    facts['People recognised in it'] = people.length === 0 ? null : people.join(', ');
    const memberships = this.store.categories.membershipsOf([artefact.id]);
    const categories = this.store.categories.byIds(memberships.map((m) => m.categoryId));
    facts['Catalogue categories'] =
      categories.length === 0 ? null : categories.map((c) => (c.description ? `${c.name} (${c.description})` : c.name)).join('; ');
    return facts;
  }
}
