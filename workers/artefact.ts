import { workerData } from 'node:worker_threads';
import { loadArtefactEngines, type ArtefactModelPaths } from '../src/pipelines/artefact/engines.js';
import { defineWorker } from '../src/pool/worker-runtime.js';
import { runArtefactTask } from './artefact-task.js';

/** Worker thread for artefacts: builds and warms its engines once, then runs tasks one at a time. */
export default defineWorker(() => loadArtefactEngines((workerData as { models: ArtefactModelPaths }).models), runArtefactTask);
