import type { ArtefactModelPaths } from '../src/pipelines/artefact/engines.js';
import { WorkerPool, workerModule } from '../src/pool/pool.js';
import type { ArtefactResult, ArtefactTask } from './artefact-task.js';

export type ArtefactPool = WorkerPool<ArtefactTask, ArtefactResult>;

/** The pool of artefact worker threads (./artefact.ts); `size` defaults to the number of cores. */
export const createArtefactPool = (models: ArtefactModelPaths, size?: number): ArtefactPool =>
  new WorkerPool<ArtefactTask, ArtefactResult>({
    workerFile: workerModule('./artefact.js', import.meta.url),
    ...(size === undefined ? {} : { size }),
    workerData: { models },
  });
