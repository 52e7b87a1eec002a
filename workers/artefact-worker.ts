import { workerData } from 'node:worker_threads';
import { loadArtefactModels, type ArtefactModelPaths } from '../src/pipelines/artefact/models.js';
import { processArtefact } from '../src/pipelines/artefact/process.js';
import { defineWorker } from '../src/pool/worker-runtime.js';

/** Piscina worker for artefacts: creates and warms its sessions once, then runs tasks one at a time. */
export default defineWorker(() => loadArtefactModels((workerData as { models: ArtefactModelPaths }).models), processArtefact);
