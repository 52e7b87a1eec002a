/**
 * Measures how the product decides an artefact's kind on a labelled folder: DIR/mm holds
 * meeting-minutes pages, DIR/hf event photos (build one with `npm run build:classifier-evalset -- DIR`).
 * The decision is the artefact task's own (the classifier network, then the face check of an unsure
 * "page" verdict), run as a worker runs it; the network alone is printed beside it. Prints each
 * mistake, both accuracies per class, and as the last line: accuracy=<the product's correct / all>.
 * Usage: npm run eval:classify -- DIR [--model FILE.onnx]
 */
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ARTEFACT_KINDS, type ArtefactKind } from '../src/artefact-kind.js';
import { ModelStore } from '../src/model-store/store.js';
import { artefactModelPaths, loadArtefactEngines } from '../src/pipelines/artefact/engines.js';
import { collectingTracer } from '../src/tracing/tracer.js';
import { runArtefactTask } from '../workers/artefact-task.js';

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const modelFile = modelAt >= 0 ? args.splice(modelAt, 2)[1] : undefined;
const [dir] = args;
if (dir === undefined) {
  console.error('usage: npm run eval:classify -- DIR [--model FILE.onnx]   (DIR/mm and DIR/hf hold the images)');
  process.exit(2);
}

const paths = await artefactModelPaths(await ModelStore.open({ cacheDir: mkdtempSync(path.join(tmpdir(), 'archaive-eval-classify-')) }));
const engines = await loadArtefactEngines(modelFile === undefined ? paths : { ...paths, classifier: path.resolve(modelFile) });

/** The product's kind and the network's, for one image: the worker's decision without reading or describing. */
async function decide(image: Buffer): Promise<{ product: ArtefactKind; network: ArtefactKind; confidence: number; ms: number }> {
  const started = performance.now();
  const job = { tracer: collectingTracer().tracer, progress: () => undefined, checkpoint: () => undefined };
  const result = await runArtefactTask({ image, readText: false, findFaces: false }, job, engines);
  const network = result.classification;
  if (network === null) throw new Error('the artefact task did not classify');
  return { product: result.kind, network: network.kind, confidence: network.confidence, ms: performance.now() - started };
}

const IMAGE = /\.(jpe?g|png|webp|tiff?|gif)$/i;
const right = { product: 0, network: 0 };
let total = 0;
let ms = 0;
const lines: string[] = [];
const ratio = (n: number, of: number): string => `${n}/${of} = ${(of === 0 ? 0 : n / of).toFixed(4)}`;
for (const kind of ARTEFACT_KINDS) {
  const folder = path.join(dir, kind.toLowerCase());
  const files = (await readdir(folder)).filter((f) => IMAGE.test(f)).sort();
  const ofKind = { product: 0, network: 0 };
  for (const file of files) {
    const d = await decide(await readFile(path.join(folder, file)));
    ms += d.ms;
    if (d.product === kind) ofKind.product++;
    if (d.network === kind) ofKind.network++;
    if (d.product !== kind || d.network !== kind) {
      console.log(`wrong: ${kind.toLowerCase()}/${file} -> product ${d.product}, network ${d.network} (${d.confidence.toFixed(3)})`);
    }
  }
  right.product += ofKind.product;
  right.network += ofKind.network;
  total += files.length;
  lines.push(`${kind}: product ${ratio(ofKind.product, files.length)}   network alone ${ratio(ofKind.network, files.length)}`);
}
if (total === 0) {
  console.error(`no images under ${dir}/mm or ${dir}/hf`);
  process.exit(1);
}
for (const line of lines) console.log(line);
console.log(`images=${total} mean_ms=${(ms / total).toFixed(1)}`);
console.log(`network_accuracy=${(right.network / total).toFixed(4)}`);
console.log(`accuracy=${(right.product / total).toFixed(4)}`);
