import type { ArtefactModelPaths } from '../pipelines/artefact/models.js';
import type { ArtefactResult, ArtefactTask } from '../pipelines/artefact/process.js';
import { WorkerPool, workerModule } from './pool.js';

export type ArtefactPool = WorkerPool<ArtefactTask, ArtefactResult>;

/** The pool that runs artefact tasks (workers/artefact-worker); `size` defaults to the number of cores. */
export const createArtefactPool = (models: ArtefactModelPaths, size?: number): ArtefactPool =>
  new WorkerPool<ArtefactTask, ArtefactResult>({
    workerFile: workerModule('../../workers/artefact-worker.js', import.meta.url),
    ...(size === undefined ? {} : { size }),
    workerData: { models },
  });
