import path from 'node:path';
import { loadConfig, loadDotEnv, type Config } from '../../src/config.js';
import { ModelStore } from '../../src/model-store/store.js';
import { artefactModelPaths } from '../../src/pipelines/artefact/models.js';
import { createArtefactPool, type ArtefactPool } from '../../src/pool/artefact-pool.js';
import { PooledArtefactPipeline } from '../../src/services/artefact-pipeline.js';
import { IdentificationService } from '../../src/services/identification.js';
import { DEFAULT_MATCH_THRESHOLDS } from '../../src/pipelines/faces/match.js';
import { Store } from '../../src/store/store.js';
import { TraceWriter } from '../../src/tracing/trace-writer.js';

/** The store side of a command-line run: present when a data directory is used. */
export interface StoreRuntime {
  store: Store;
  traces: TraceWriter;
  identification: IdentificationService;
  pipeline: PooledArtefactPipeline;
}

export interface PipelineRuntime {
  config: Config;
  pool: ArtefactPool;
  stored: StoreRuntime | null;
  close(): Promise<void>;
}

/**
 * What the CLIs share: the configuration (WORKERS, upload limits, LLM_*), models verified through
 * the ModelStore, the worker pool, and, when `dataDir` is given, the store with a trace writer and
 * identification.
 */
export const openPipelineRuntime = async (options: { dataDir: string | null; poolSize?: number }): Promise<PipelineRuntime> => {
  loadDotEnv();
  const config = loadConfig();
  const cacheDir = path.join(options.dataDir ?? config.dataDir, 'models');
  const pool = createArtefactPool(await artefactModelPaths(await ModelStore.open({ cacheDir })), options.poolSize ?? config.workers);
  let stored: StoreRuntime | null = null;
  if (options.dataDir !== null) {
    const store = new Store(options.dataDir, config.uploads);
    const traces = new TraceWriter(store.traces);
    const identification = new IdentificationService(store, { thresholds: DEFAULT_MATCH_THRESHOLDS, llmConfigured: config.llm.tasks.caption !== undefined });
    stored = { store, traces, identification, pipeline: new PooledArtefactPipeline(store, pool, traces, identification) };
  }
  return {
    config,
    pool,
    stored,
    async close() {
      await pool.close();
      stored?.traces.close();
      stored?.store.close();
    },
  };
};
