import { AppError, isAppError } from '../errors.js';
import type { ArtefactResult } from '../pipelines/artefact/process.js';
import type { ArtefactPool } from '../pool/artefact-pool.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { Tracer } from '../tracing/tracer.js';
import type { IdentificationService, PersistedArtefact } from './identification.js';

export interface ProcessOptions {
  batchId?: string | null;
  signal?: AbortSignal;
  /** Called as each step starts (the worker's progress messages). */
  onStep?: (step: string) => void;
}

export interface ProcessedArtefact {
  traceId: string;
  result: ArtefactResult;
  persisted: PersistedArtefact;
}

/**
 * One stored artefact through the pool and back: a trace opened for it, the worker's task (its
 * reports written as they arrive), identification and fields on this thread, the trace finished
 * with the outcome ("ok" or the error code).
 */
export class PooledArtefactPipeline {
  constructor(
    private readonly store: Store,
    private readonly pool: ArtefactPool,
    private readonly traces: TraceWriter,
    private readonly identification: IdentificationService,
  ) {}

  async run(artefact: Artefact, options: ProcessOptions = {}): Promise<void> {
    await this.process(artefact, options);
  }

  async process(artefact: Artefact, options: ProcessOptions = {}): Promise<ProcessedArtefact> {
    const traceId = this.traces.begin({ purpose: 'artefact.process', artefactId: artefact.id, batchId: options.batchId ?? null });
    const tracer = new Tracer(this.traces.add, traceId);
    try {
      const image = await this.store.files.read(artefact.fileSha256);
      // A kind chosen by a person is kept; the classifier decides only when nobody did.
      const given = artefact.kind !== null && artefact.kindSource !== 'CLASSIFIER' ? { kind: artefact.kind === 'MM' ? ('mm' as const) : ('hf' as const) } : {};
      const result = await this.pool.run(
        { image, ...given },
        {
          traceId,
          onReport: this.traces.add,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onStep ? { onProgress: (step: string) => options.onStep?.(step) } : {}),
        },
      );
      if (options.signal?.aborted) throw new AppError('CANCELLED', 'The task was cancelled');
      options.onStep?.('identify');
      const persisted = await this.identification.persistArtefact(artefact.id, result, tracer);
      this.traces.finish(traceId, 'ok');
      return { traceId, result, persisted };
    } catch (error) {
      this.traces.finish(traceId, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }
}
