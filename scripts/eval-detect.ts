/**
 * npm run eval:detect -- [BOXES.json ...] [--iou 0.4] [--runs 3] [--min-score 0.75] [--without-second-look]
 * Detects faces in the photo of each boxes file (default: every test/fixtures/faces/*.boxes.json, the
 * evaluation set; the photo's path is in the file) and scores them against its hand-made boxes:
 * recall and precision at the IoU threshold per photo and over the set, the boxes missed and the
 * false ones, and the time per photo on this thread (one onnxruntime thread; median of --runs after
 * one warm-up run). --min-score and --without-second-look measure the detector's options.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ModelStore } from '../src/model-store/store.js';
import type { FaceBox } from '../src/pipelines/faces/box.js';
import { DEFAULT_DETECT_OPTIONS, detectFaces, type DetectOptions, type FaceDetection } from '../src/pipelines/faces/detect.js';
import { scoreDetections, readBoxesFile } from '../src/pipelines/faces/evaluate.js';
import { decodeRgb } from '../src/pipelines/faces/image.js';
import { FACE_DETECTOR_MODEL, loadUltraFace } from '../src/pipelines/faces/ultraface.js';
import { collectingTracer } from '../src/tracing/tracer.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    iou: { type: 'string', default: '0.4' },
    runs: { type: 'string', default: '3' },
    'min-score': { type: 'string', default: String(DEFAULT_DETECT_OPTIONS.minScore) },
    'without-second-look': { type: 'boolean', default: false },
  },
});
const setDir = 'test/fixtures/faces';
const boxesFiles =
  positionals.length > 0
    ? positionals
    : (await readdir(setDir)).filter((f) => f.endsWith('.boxes.json')).sort().map((f) => path.join(setDir, f));
const options: DetectOptions = {
  ...DEFAULT_DETECT_OPTIONS,
  minScore: Number(values['min-score']),
  secondLook: values['without-second-look'] ? null : DEFAULT_DETECT_OPTIONS.secondLook,
};

const store = await ModelStore.open({ cacheDir: path.join(process.env.DATA_DIR ?? 'data', 'models') });
const detector = await loadUltraFace(await store.path(FACE_DETECTOR_MODEL));
const { tracer } = collectingTracer();
const median = (xs: number[]): string => ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN).toFixed(0);
const fmt = (b: FaceBox): string => `(${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}×${Math.round(b.height)})`;

const total = { faces: 0, truePositives: 0, falsePositives: 0 };
for (const boxesFile of boxesFiles) {
  const truth = await readBoxesFile(boxesFile);
  const photo = await decodeRgb(await readFile(truth.image));
  let detection: FaceDetection = await detectFaces(photo, detector, tracer, options);
  // Wall time suffers when other processes share the CPU; process CPU time (all threads) much less.
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < Math.max(0, Number(values.runs)); i++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    detection = await detectFaces(photo, detector, tracer, options);
    const cpu = process.cpuUsage(cpuStarted);
    times.push(performance.now() - started);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const score = scoreDetections(detection.faces, truth.boxes, Number(values.iou));
  total.faces += score.faces;
  total.truePositives += score.truePositives;
  total.falsePositives += score.falsePositives;
  console.log(`${path.basename(truth.image)}: ${photo.width}×${photo.height}, ${score.faces} hand-made faces (+${truth.boxes.length - score.faces} difficult)`);
  console.log(`  detections ${score.detections}: ${score.truePositives} true, ${score.falsePositives} false, ${score.ignored} on difficult faces; recall ${score.recall.toFixed(3)}, precision ${score.precision.toFixed(3)}`);
  if (score.missed.length > 0) console.log(`  missed: ${score.missed.map(fmt).join(' ')}`);
  if (score.falseBoxes.length > 0) console.log(`  false: ${score.falseBoxes.map(fmt).join(' ')}`);
  if (times.length > 0) console.log(`  time ${median(times)} ms wall, ${median(cpuTimes)} ms CPU per photo (median of ${times.length}; ${detection.tilesRun} tiles, ${detection.rawBoxes} raw boxes)`);
}
const counted = total.truePositives + total.falsePositives;
console.log(
  `all ${boxesFiles.length} photos (IoU >= ${values.iou}, min score ${options.minScore}, second look ${options.secondLook === null ? 'off' : 'on'}): ` +
    `${total.faces} faces, ${total.truePositives} found, ${total.falsePositives} false; ` +
    `recall ${(total.faces === 0 ? 1 : total.truePositives / total.faces).toFixed(3)}, precision ${(counted === 0 ? 1 : total.truePositives / counted).toFixed(3)}`,
);
