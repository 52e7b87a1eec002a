import { isAppError } from '../errors.js';
import type { ArtefactModelPaths } from '../pipelines/artefact/models.js';
import { createArtefactPool, type ArtefactPool } from '../pool/artefact-pool.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { Tracer } from '../tracing/tracer.js';
import { PooledArtefactPipeline } from './artefact-pipeline.js';
import type { IdentificationService } from './identification.js';
import type { ArtefactPipeline } from './import-processor.js';
import type { LanguageStages } from './language-stages.js';

/**
 * Everything the import processor does to one artefact: the ONNX pipelines in the worker pool
 * (which starts with the first artefact, not at boot), identification and storage, then the
 * language steps. Each part has its own trace.
 */
export class ProcessingPipeline implements ArtefactPipeline {
  private pool: ArtefactPool | undefined;
  private pooled: PooledArtefactPipeline | undefined;

  constructor(
    private readonly store: Store,
    private readonly models: ArtefactModelPaths,
    private readonly workers: number,
    private readonly traces: TraceWriter,
    private readonly identification: IdentificationService,
    private readonly language: LanguageStages,
  ) {}

  async run(artefact: Artefact, options: { batchId: string; signal: AbortSignal; onStep: (step: string) => void }): Promise<void> {
    this.pool ??= createArtefactPool(this.models, this.workers);
    this.pooled ??= new PooledArtefactPipeline(this.store, this.pool, this.traces, this.identification);
    await this.pooled.run(artefact, options);
    options.onStep('language');
    const traceId = this.traces.begin({ purpose: 'artefact.language', artefactId: artefact.id, batchId: options.batchId });
    try {
      // Re-read: the pipeline has just set the kind.
      await this.language.run(this.store.artefacts.byId(artefact.id) ?? artefact, new Tracer(this.traces.add, traceId), options.signal);
      this.traces.finish(traceId, 'ok');
    } catch (error) {
      this.traces.finish(traceId, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }

  /** Stops the workers, if they were started. Call after the processor has closed. */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
