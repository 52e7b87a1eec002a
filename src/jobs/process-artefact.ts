import { AppError } from '../errors.js';
import type { LanguageStages } from '../llm/language-stages.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import type { ArtefactPool } from '../../workers/artefact-pool.js';
import type { ArtefactResult, ArtefactTask } from '../../workers/artefact-task.js';
import type { ResultWriter, WrittenResult } from './results.js';
import { ALL_STEPS, languageSteps, type ProcessingStep } from './steps.js';

export interface ProcessRun {
  batchId?: string | null;
  /** The steps to run; every step when absent. */
  steps?: ReadonlySet<ProcessingStep>;
  signal?: AbortSignal;
  /** Called as each step starts. */
  onStep?: (step: string) => void;
}

export interface ProcessedArtefact {
  traceId: string;
  result: ArtefactResult;
  written: WrittenResult;
}

/**
 * The one handler that processes an artefact, for the batch queue, reprocessing and the CLI alike,
 * under one trace: the worker's task (classify, faces, text), then the result writer on this
 * thread, then the language steps. The worker pool starts with the first artefact, not at boot.
 */
export class ProcessArtefact {
  private pool: ArtefactPool | undefined;

  constructor(
    private readonly startPool: () => ArtefactPool,
    private readonly store: Store,
    private readonly traces: TraceWriter,
    private readonly results: ResultWriter,
    private readonly language: LanguageStages,
  ) {}

  run(artefact: Artefact, run: ProcessRun = {}): Promise<ProcessedArtefact> {
    const steps = run.steps ?? ALL_STEPS;
    const signal = run.signal ?? new AbortController().signal;
    return this.traces.run({ purpose: 'artefact.process', artefactId: artefact.id, batchId: run.batchId ?? null }, async (tracer, traceId) => {
      tracer.report({ source: 'artefact', message: `Steps: ${[...steps].join(', ').toLowerCase()}`, data: { steps: [...steps] } });
      const result = await this.workerPool().run(await this.task(artefact, steps), {
        traceId,
        onReport: this.traces.add,
        signal,
        ...(run.onStep ? { onProgress: run.onStep } : {}),
      });
      if (signal.aborted) throw new AppError('CANCELLED', 'The task was cancelled');
      run.onStep?.('store');
      const written = await this.results.write(artefact.id, result, steps, tracer);
      const language = languageSteps(steps);
      if (language.size > 0) {
        run.onStep?.('language');
        // Re-read: the result writer may have just set the kind. A failed language step is recorded
        // on the artefact and does not fail it.
        await this.language.run(this.store.artefacts.byId(artefact.id) ?? artefact, tracer, signal, language);
      }
      return { traceId, result, written };
    });
  }

  /** The pool, started on first use (also by enrolment and the benchmarks). */
  workerPool(): ArtefactPool {
    this.pool ??= this.startPool();
    return this.pool;
  }

  /** Stops the workers, if they were started. Call after the queue has closed. */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  private async task(artefact: Artefact, steps: ReadonlySet<ProcessingStep>): Promise<ArtefactTask> {
    // A kind chosen by a person is kept; the classifier decides only when nobody did, and only
    // when asked to (otherwise the kind already decided stands).
    const personal = artefact.kindSource === 'UPLOADER' || artefact.kindSource === 'EDITOR';
    const keepKind = artefact.kind !== null && (personal || !steps.has('CLASSIFY'));
    return {
      image: await this.store.files.read(artefact.fileSha256),
      ...(keepKind && artefact.kind !== null ? { kind: artefact.kind } : {}),
      findFaces: steps.has('FACES'),
      readText: steps.has('TEXT'),
    };
  }
}
