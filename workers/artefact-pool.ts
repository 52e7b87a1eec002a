import type { ArtefactModelPaths } from '../src/pipelines/artefact/engines.js';
import { WorkerPool, workerModule, type RunOptions } from '../src/pool/pool.js';
import type { ArtefactResult, ArtefactTask } from './artefact-task.js';

/** Where an artefact's inference runs: this process's threads, or remote workers (./remote-pool.ts). */
export interface ArtefactPool {
  run(task: ArtefactTask, options?: RunOptions): Promise<ArtefactResult>;
  /** Waits for the tasks in flight, then lets the threads or connections go. */
  close(): Promise<void>;
}

/** The pool of artefact worker threads (./artefact.ts); `size` defaults to the number of cores. */
export const createArtefactPool = (models: ArtefactModelPaths, size?: number): WorkerPool<ArtefactTask, ArtefactResult> =>
  new WorkerPool<ArtefactTask, ArtefactResult>({
    workerFile: workerModule('./artefact.js', import.meta.url),
    ...(size === undefined ? {} : { size }),
    workerData: { models },
  });
