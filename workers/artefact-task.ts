import { threadId } from 'node:worker_threads';
import type { ArtefactKind } from '../src/artefact-kind.js';
import { AppError } from '../src/errors.js';
import type { OcrPage } from '../src/ocr/types.js';
import type { ArtefactEngines } from '../src/pipelines/artefact/engines.js';
import { classifyArtefact, type ArtefactClassification } from '../src/pipelines/classify/classify.js';
import { ARTEFACT_CLASSIFIER_MODEL } from '../src/pipelines/classify/model.js';
import { cropFaceChip } from '../src/pipelines/faces/chip.js';
import { headshotJpeg } from '../src/pipelines/faces/crop.js';
import { detectFaces } from '../src/pipelines/faces/detect.js';
import { decodeRgb } from '../src/pipelines/faces/image.js';
import { textAsWritten } from '../src/ocr/as-written.js';
import type { WorkerJob } from '../src/pool/worker-runtime.js';

export interface ArtefactTask {
  /** The artefact's image, any format sharp reads. */
  image: Uint8Array;
  /** The kind a person gave, or the one already decided when the classifier is not re-run; the classifier decides when it is absent. */
  kind?: ArtefactKind;
  /** Event photos: find, describe and crop the faces (default true; reprocessing the text alone skips it). */
  findFaces?: boolean;
  /** Read the text: the page of minutes, or the banners in a photo (default true; enrolment photos skip it). */
  readText?: boolean;
}

/** One face of an event photo, as the worker found it (identification happens on the main thread). */
export interface PhotoFace {
  /** Photo pixels. */
  box: { x: number; y: number; w: number; h: number };
  /** Detector score, 0..1. */
  score: number;
  quality: number;
  sharpness: number;
  /** L2-normalised face embedding (EMBEDDING_DIMENSIONS values, of FACE_EMBEDDER_MODEL). */
  embedding: Float32Array;
  /** 160×160 JPEG for a new figure's picture. */
  headshotJpeg: Uint8Array;
}

export interface ArtefactResult {
  kind: ArtefactKind;
  /** Who decided the kind: it was given, the classifier chose it, or the face check overruled an unsure page verdict. */
  kindSource: 'given' | 'classifier' | 'face-check';
  /** Confidence (0–1) of the decision made: the classifier's probability of the kind chosen, or the best face's detector score when faces decided; null when given. */
  kindConfidence: number | null;
  /** Null when the kind was given. */
  classification: ArtefactClassification | null;
  /** Event photos: faces, best quality first; empty for pages. */
  faces: PhotoFace[];
  /** Event photos: the text the OCR engine read in the photo (banners, signs); null for pages or when not read. */
  bannerText: string | null;
  /** The OCR engine's reading: the page for meeting minutes, the photo's text for event photos; null when not read. */
  ocr: OcrPage | null;
  /** Milliseconds per step. */
  timings: Record<string, number>;
  worker: { threadId: number; modelLoadMs: number };
}

/** Below this probability a classifier's "page" verdict is checked for faces. */
export const UNSURE_PAGE_BELOW = 0.8;

/** Runs one step, records its time, then checks for cancellation before the next. */
const timed = async <T>(job: WorkerJob, timings: Record<string, number>, step: string, message: string, run: () => Promise<T>): Promise<T> => {
  job.progress(step, message);
  const started = performance.now();
  const result = await run();
  timings[step] = Math.round((performance.now() - started) * 10) / 10;
  job.checkpoint();
  return result;
};

/**
 * The artefact task as a worker runs it: classify (unless the kind is given), then the pipelines of
 * that kind. Event photo: faces (detect, embed, headshots) and the photo's text; meeting-minutes
 * page: the OCR engine's reading. Cancellation is checked between steps only.
 */
export const runArtefactTask = async (task: ArtefactTask, job: WorkerJob, engines: ArtefactEngines): Promise<ArtefactResult> => {
  const { tracer } = job;
  const timings: Record<string, number> = {};
  const started = performance.now();
  let classification: ArtefactClassification | null = null;
  if (task.kind === undefined) {
    if (!engines.classifierAvailable) {
      throw new AppError('MODEL_MISSING', `Model "${ARTEFACT_CLASSIFIER_MODEL}" not found at ${engines.paths.classifier}; give the artefact's kind or install the model`, {
        model: ARTEFACT_CLASSIFIER_MODEL,
      });
    }
    classification = await timed(job, timings, 'classify', 'Classifying the artefact', () =>
      classifyArtefact(Buffer.from(task.image.buffer, task.image.byteOffset, task.image.byteLength), tracer, { modelFile: engines.paths.classifier }),
    );
  }
  let kind = task.kind ?? (classification as ArtefactClassification).kind;
  let decidedBy: { source: ArtefactResult['kindSource']; confidence: number | null } =
    classification === null ? { source: 'given', confidence: null } : { source: 'classifier', confidence: classification.confidence };
  let photo: Awaited<ReturnType<typeof decodeRgb>> | undefined;
  let detection: Awaited<ReturnType<typeof detectFaces>> | undefined;
  // An unsure "page" verdict is checked against the face detector: pages do not show faces, and a
  // photo dominated by a banner can look like a page to a 128-px classifier. The detection is the
  // one the photo pipeline would run anyway, so it is not repeated.
  if (classification !== null && classification.kind === 'MM' && classification.confidence < UNSURE_PAGE_BELOW) {
    photo = await timed(job, timings, 'faces.decode', 'Decoding the image', () => decodeRgb(task.image));
    const image = photo;
    detection = await timed(job, timings, 'classify.faces', 'Looking for faces to settle an unsure classification', () => detectFaces(image, engines.detector, tracer));
    if (detection.faces.length > 0) {
      kind = 'HF';
      decidedBy = { source: 'face-check', confidence: Math.max(...detection.faces.map((f) => f.score)) };
    }
    tracer.report({
      source: 'classify.faces',
      message: detection.faces.length > 0 ? `Unsure page verdict overruled: ${detection.faces.length} faces found` : 'Unsure page verdict kept: no faces found',
      data: { classifier: classification.scores, faces: detection.faces.length, kind },
    });
  }
  let faces: PhotoFace[] = [];
  if (kind === 'HF' && task.findFaces !== false) {
    const decoded = photo ?? (await timed(job, timings, 'faces.decode', 'Decoding the photo', () => decodeRgb(task.image)));
    detection ??= await timed(job, timings, 'faces.detect', 'Finding faces', () => detectFaces(decoded, engines.detector, tracer));
    const found = detection.faces;
    const embeddings = await timed(job, timings, 'faces.embed', `Describing ${found.length} faces`, async () =>
      engines.embedder.embed(await Promise.all(found.map(async (f) => ({ kind: 'rgb' as const, data: await cropFaceChip(decoded, f.box) }))), tracer),
    );
    const headshots = await timed(job, timings, 'faces.headshots', 'Cutting headshots', () =>
      tracer.step('faces.headshots', `Cut ${found.length} headshots`, () => Promise.all(found.map((f) => headshotJpeg(decoded, f.box)))),
    );
    faces = found.map((f, i) => ({
      box: { x: f.box.x, y: f.box.y, w: f.box.width, h: f.box.height },
      score: f.score,
      quality: f.quality,
      sharpness: f.sharpness,
      embedding: embeddings[i] as Float32Array,
      headshotJpeg: new Uint8Array(headshots[i] as Buffer),
    }));
  }
  const ocr =
    task.readText === false
      ? null
      : await timed(job, timings, 'ocr', kind === 'HF' ? 'Reading text in the photo' : 'Reading the page', () => engines.ocr.readPage(task.image, tracer));
  timings.total = Math.round((performance.now() - started) * 10) / 10;
  tracer.report({
    source: 'artefact',
    message: kind === 'HF' ? 'Processed an event photo' : 'Processed a meeting-minutes page',
    durationMs: timings.total,
    data: { kind, kindSource: decidedBy.source, kindConfidence: decidedBy.confidence, faces: faces.length, lines: ocr?.lines.length ?? null, characters: ocr === null ? null : [...ocr.text.replace(/\s/g, '')].length },
  });
  return {
    kind,
    kindSource: decidedBy.source,
    kindConfidence: decidedBy.confidence,
    classification,
    faces,
    bannerText: kind === 'HF' && ocr !== null ? textAsWritten(ocr) : null,
    ocr,
    timings,
    worker: { threadId, modelLoadMs: Math.round(engines.loadMs) },
  };
};
