/**
 * npm run eval:detect -- IMAGE BOXES.json [--iou 0.4] [--runs 3]
 * Detects faces in IMAGE and scores them against hand-made boxes (test/fixtures/faces/*.boxes.json):
 * recall and precision at the IoU threshold, the boxes missed and the false ones, and the time per
 * photo on this thread (one onnxruntime thread; median of --runs after one warm-up run).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ModelStore } from '../src/model-store/store.js';
import type { FaceBox } from '../src/pipelines/faces/box.js';
import { detectFaces, type FaceDetection } from '../src/pipelines/faces/detect.js';
import { scoreDetections, readBoxesFile } from '../src/pipelines/faces/evaluate.js';
import { decodeRgb } from '../src/pipelines/faces/image.js';
import { FACE_DETECTOR_MODEL, loadUltraFace } from '../src/pipelines/faces/ultraface.js';
import { collectingTracer } from '../src/tracing/tracer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iou: { type: 'string', default: '0.4' }, runs: { type: 'string', default: '3' } },
});
const [imageFile, boxesFile] = positionals;
if (imageFile === undefined || boxesFile === undefined) {
  console.error('usage: npm run eval:detect -- IMAGE BOXES.json [--iou 0.4] [--runs 3]');
  process.exit(2);
}

const store = await ModelStore.open({ cacheDir: path.join(process.env.DATA_DIR ?? 'data', 'models') });
const detector = await loadUltraFace(await store.path(FACE_DETECTOR_MODEL));
const truth = await readBoxesFile(boxesFile);
const photo = await decodeRgb(await readFile(imageFile));

const { tracer } = collectingTracer();
let detection: FaceDetection = await detectFaces(photo, detector, tracer);
// Wall time suffers when other processes share the CPU; process CPU time (all threads) much less.
const times: number[] = [];
const cpuTimes: number[] = [];
for (let i = 0; i < Math.max(1, Number(values.runs)); i++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  detection = await detectFaces(photo, detector, tracer);
  const cpu = process.cpuUsage(cpuStarted);
  times.push(performance.now() - started);
  cpuTimes.push((cpu.user + cpu.system) / 1000);
}
const median = (xs: number[]): string => ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN).toFixed(0);

const score = scoreDetections(detection.faces, truth.boxes, Number(values.iou));
const fmt = (b: FaceBox): string => `(${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)})`;
console.log(`${path.basename(imageFile)}: ${photo.width}×${photo.height}, ${score.faces} hand-made faces (+${truth.boxes.length - score.faces} difficult)`);
console.log(`detections ${score.detections}: ${score.truePositives} true, ${score.falsePositives} false, ${score.ignored} on difficult faces (IoU >= ${score.iouThreshold})`);
console.log(`recall ${score.recall.toFixed(3)}  precision ${score.precision.toFixed(3)}`);
if (score.missed.length > 0) console.log(`missed: ${score.missed.map(fmt).join(' ')}`);
if (score.falseBoxes.length > 0) console.log(`false: ${score.falseBoxes.map(fmt).join(' ')}`);
console.log(`time ${median(times)} ms wall, ${median(cpuTimes)} ms CPU per photo (median of ${times.length}; ${detection.tilesRun} tiles, ${detection.rawBoxes} raw boxes)`);
