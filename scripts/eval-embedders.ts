/**
 * npm run eval:embedders -- DIR --model NAME=FILE.onnx:SIZE:SCALE [--model ...]
 * Compares face embedders on genuine and impostor pairs: every image of DIR/train/<person>/ and of
 * DIR/test/ (labelled by DIR/labels.json, "unknown" people each their own identity) gets its
 * largest face found by the product's detector and cut with the product's chip framing, SIZE×SIZE
 * RGB, pixel values 0..255 times SCALE, NHWC; each model's first output is the embedding (L2-normalised
 * here). Every pair of images is genuine (same person) or impostor. Prints per model: the lowest
 * genuine and highest impostor cosine similarity, their margin, d′, and the share of genuine pairs
 * above the highest impostor (TAR at FAR < 1 / impostor pairs).
 * The product's embedder: --model faceres=models/face-embedder/faceres.onnx:224:1
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { ModelStore } from '../src/model-store/store.js';
import { chipSquare } from '../src/pipelines/faces/chip.js';
import { cropSquare } from '../src/pipelines/faces/crop.js';
import { FACE_DETECTOR_MODEL, loadUltraFace } from '../src/pipelines/faces/ultraface.js';
import { fixtureImages, largestFace } from './lib/identify-fixture.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { model: { type: 'string', multiple: true } } });
const dir = positionals[0];
const specs = (values.model ?? []).map((spec) => {
  const match = /^([^=]+)=(.+):(\d+):([\d.e/-]+)$/.exec(spec);
  if (match === null) throw new Error(`--model ${spec}: expected NAME=FILE.onnx:SIZE:SCALE`);
  const [, name = '', file = '', size = '', scale = ''] = match;
  const [numerator = '', denominator = '1'] = scale.split('/');
  return { name, file, size: Number(size), scale: Number(numerator) / Number(denominator) };
});
if (dir === undefined || specs.length === 0) {
  console.error('usage: npm run eval:embedders -- DIR --model NAME=FILE.onnx:SIZE:SCALE [--model ...]');
  process.exit(2);
}

const images = await fixtureImages(dir);

const store = await ModelStore.open({ cacheDir: path.join(process.env.DATA_DIR ?? 'data', 'models') });
const detector = await loadUltraFace(await store.path(FACE_DETECTOR_MODEL));
const sessions = await Promise.all(specs.map((s) => ort.InferenceSession.create(s.file, { intraOpNumThreads: 1 })));
const embeddings: Float32Array[][] = specs.map(() => []);
for (const image of images) {
  const face = await largestFace(image.file, detector);
  const { photo } = face;
  for (const [k, spec] of specs.entries()) {
    const session = sessions[k];
    if (session === undefined) continue;
    const chip = await cropSquare(photo, chipSquare(face.box), { size: spec.size, margin: 0 });
    const input = Float32Array.from(chip.data, (v) => v * spec.scale);
    const output = await session.run({ [session.inputNames[0] ?? '']: new ort.Tensor('float32', input, [1, spec.size, spec.size, 3]) });
    const raw = output[session.outputNames[0] ?? '']?.data;
    if (!(raw instanceof Float32Array)) throw new Error(`${spec.name}: no float32 output`);
    const norm = Math.hypot(...raw);
    embeddings[k]?.push(raw.map((v) => v / norm));
  }
}

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);
const mean = (xs: number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const variance = (xs: number[]): number => mean(xs.map((v) => (v - mean(xs)) ** 2));
console.log(`${images.length} images, ${new Set(images.map((i) => i.identity)).size} identities`);
for (const [k, spec] of specs.entries()) {
  const vectors = embeddings[k] ?? [];
  const genuine: number[] = [];
  const impostor: number[] = [];
  images.forEach((a, i) =>
    images.forEach((b, j) => {
      const va = vectors[i];
      const vb = vectors[j];
      if (j > i && va !== undefined && vb !== undefined) (a.identity === b.identity ? genuine : impostor).push(cosine(va, vb));
    }),
  );
  const lowestGenuine = Math.min(...genuine);
  const highestImpostor = Math.max(...impostor);
  const dPrime = (mean(genuine) - mean(impostor)) / Math.sqrt((variance(genuine) + variance(impostor)) / 2);
  const tar = genuine.filter((g) => g > highestImpostor).length / genuine.length;
  console.log(
    `${spec.name}: genuine ${genuine.length} pairs, lowest ${lowestGenuine.toFixed(3)}, mean ${mean(genuine).toFixed(3)}; ` +
      `impostor ${impostor.length} pairs, highest ${highestImpostor.toFixed(3)}, mean ${mean(impostor).toFixed(3)}; ` +
      `margin ${(lowestGenuine - highestImpostor).toFixed(3)}; d′ ${dPrime.toFixed(2)}; TAR at FAR < 1/${impostor.length} ${tar.toFixed(3)}`,
  );
}
