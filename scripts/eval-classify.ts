/**
 * Measures the artefact classifier on a labelled folder: DIR/mm holds meeting-minutes pages, DIR/hf
 * event photos (build one with `npm run build:classifier-evalset -- DIR`). Prints each mistake, the
 * accuracy per class, and as the last line: accuracy=<correct / all>.
 * Usage: npm run eval:classify -- DIR [--model FILE.onnx]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { classifyArtefact } from '../src/pipelines/classify/classify.js';
import { ARTEFACT_KINDS } from '../src/artefact-kind.js';
import { collectingTracer } from '../src/tracing/tracer.js';

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const modelFile = modelAt >= 0 ? args.splice(modelAt, 2)[1] : undefined;
const [dir] = args;
if (dir === undefined) {
  console.error('usage: npm run eval:classify -- DIR [--model FILE.onnx]   (DIR/mm and DIR/hf hold the images)');
  process.exit(2);
}

const IMAGE = /\.(jpe?g|png|webp|tiff?|gif)$/i;
let correct = 0;
let total = 0;
let ms = 0;
const lines: string[] = [];
for (const kind of ARTEFACT_KINDS) {
  const folder = path.join(dir, kind.toLowerCase());
  const files = (await readdir(folder)).filter((f) => IMAGE.test(f)).sort();
  let right = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(folder, file));
    const started = performance.now();
    const result = await classifyArtefact(bytes, collectingTracer().tracer, modelFile === undefined ? {} : { modelFile });
    ms += performance.now() - started;
    if (result.kind === kind) right++;
    else console.log(`wrong: ${kind.toLowerCase()}/${file} -> ${result.kind} (${result.confidence.toFixed(3)})`);
  }
  correct += right;
  total += files.length;
  lines.push(`${kind}: ${right}/${files.length} = ${(files.length === 0 ? 0 : right / files.length).toFixed(4)}`);
}
if (total === 0) {
  console.error(`no images under ${dir}/mm or ${dir}/hf`);
  process.exit(1);
}
for (const line of lines) console.log(line);
console.log(`images=${total} mean_ms=${(ms / total).toFixed(1)}`);
console.log(`accuracy=${(correct / total).toFixed(4)}`);
