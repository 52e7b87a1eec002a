import { access } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import type { ModelStore } from '../../model-store/store.js';
import { createOcrEngine, type OcrEngine } from '../../ocr/engine.js';
import { ocrModelPaths, sharedOcrModels, type OcrModelPaths } from '../../ocr/models.js';
import { ARTEFACT_CLASSIFIER_MODEL, CLASSIFIER_INPUT_SIZE, defaultClassifierFile, loadArtefactClassifier } from '../classify/model.js';
import { FACE_CHIP_SIZE, FACE_EMBEDDER_MODEL, sharedFaceEmbedder, type FaceEmbedder } from '../faces/embed.js';
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, FACE_DETECTOR_MODEL, loadUltraFace, type UltraFace } from '../faces/ultraface.js';
import { Tracer } from '../../tracing/tracer.js';

/** Verified model files for the artefact task, resolved on the main thread and sent to each worker. */
export interface ArtefactModelPaths {
  classifier: string;
  faceDetector: string;
  faceEmbedder: string;
  ocr: OcrModelPaths;
}

/**
 * The paths the ModelStore verified. The classifier is taken from the registry when it is listed
 * there, else from the classifier's own committed location.
 */
export const artefactModelPaths = async (store: ModelStore): Promise<ArtefactModelPaths> => ({
  classifier: store.entries().some((m) => m.name === ARTEFACT_CLASSIFIER_MODEL) ? await store.path(ARTEFACT_CLASSIFIER_MODEL) : defaultClassifierFile(),
  faceDetector: await store.path(FACE_DETECTOR_MODEL),
  faceEmbedder: await store.path(FACE_EMBEDDER_MODEL),
  ocr: await ocrModelPaths(store),
});

/** The engines one worker builds once and holds for its whole life. */
export interface ArtefactEngines {
  paths: ArtefactModelPaths;
  detector: UltraFace;
  embedder: FaceEmbedder;
  ocr: OcrEngine;
  /** Whether the classifier file is there; without it a task must name its kind. */
  classifierAvailable: boolean;
  /** Milliseconds spent creating the sessions and running each once. */
  loadMs: number;
}

const fileExists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Creates every session this thread needs (one intra-op thread each), builds the engines over them
 * and runs each session once, so the first real task does not pay for the first inference's
 * allocations.
 */
export const loadArtefactEngines = async (paths: ArtefactModelPaths): Promise<ArtefactEngines> => {
  const started = performance.now();
  const silent = new Tracer(() => undefined);
  silent.pause();
  const [detector, embedder, ocr, classifierAvailable] = await Promise.all([
    loadUltraFace(paths.faceDetector),
    sharedFaceEmbedder(paths.faceEmbedder),
    sharedOcrModels(paths.ocr),
    fileExists(paths.classifier),
  ]);
  await detector.run(new Uint8Array(DETECTOR_WIDTH * DETECTOR_HEIGHT * 3), 1);
  await embedder.embed([{ kind: 'rgb', data: new Uint8Array(FACE_CHIP_SIZE * FACE_CHIP_SIZE * 3) }], silent);
  const blank = (dims: number[]): ort.Tensor => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  await ocr.detection.run({ x: blank([1, 3, 64, 64]) });
  await ocr.recognition.run({ x: blank([1, 3, 48, 320]) });
  await ocr.angle?.run({ x: blank([1, 3, 48, 192]) });
  if (classifierAvailable) {
    await (await loadArtefactClassifier(paths.classifier)).run(new Float32Array(3 * CLASSIFIER_INPUT_SIZE * CLASSIFIER_INPUT_SIZE));
  }
  return { paths, detector, embedder, ocr: createOcrEngine(ocr), classifierAvailable, loadMs: performance.now() - started };
};
