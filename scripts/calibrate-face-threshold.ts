/**
 * Measures how similar face embeddings of the same face and of different people are, to choose
 * the matcher's thresholds (src/pipelines/faces/match.ts), from two sources:
 * - faces found by the detector in the face-api demo photos (21 different people, large faces)
 *   and the two sample event photos; same-face pairs are a face against its variants
 *   (scripts/lib/face-variants.ts); different-person pairs are different faces;
 * - the identify fixture (test/fixtures/identify): genuine pairs are two photos' views of one
 *   person, impostor pairs two people's; its test views are decided against its training photos.
 *
 *   npm run faces:calibrate
 *
 * Prints the distributions, a threshold sweep, what the current defaults decide on genuine
 * queries (the person is a known figure) and impostor queries (the person is not), and the
 * thresholds the rule gives: `assign` halfway between the highest different-person similarity and
 * the lowest genuine one of the fixture (the same margin on each side), `suggest` at the highest
 * different-person similarity (above it, a person should look; at or below, it could be anyone).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ModelStore } from '../src/model-store/store.js';
import { findPackageDir } from '../src/model-store/locate.js';
import { cropFaceChip } from '../src/pipelines/faces/chip.js';
import { detectFaces } from '../src/pipelines/faces/detect.js';
import { FACE_EMBEDDER_MODEL, loadFaceEmbedder, type FaceEmbedder } from '../src/pipelines/faces/embed.js';
import { decodeRgb, type RgbPixels } from '../src/pipelines/faces/image.js';
import { cosineSimilarity, DEFAULT_MATCH_THRESHOLDS, matchFace, type FigureExemplars } from '../src/pipelines/faces/match.js';
import type { FaceBox } from '../src/pipelines/faces/box.js';
import { FACE_DETECTOR_MODEL, loadUltraFace, type UltraFace } from '../src/pipelines/faces/ultraface.js';
import { Tracer } from '../src/tracing/tracer.js';
import { faceVariants, type FaceVariant } from './lib/face-variants.js';
import { fixtureImages, largestFace } from './lib/identify-fixture.js';

const IDENTIFY_FIXTURE = path.resolve(process.cwd(), 'test/fixtures/identify');

/** Faces at least this large (box's larger side) are used as identities. */
const IDENTITY_MIN_PX = 60;
/** Detections checked by eye to be no face (hair against a window): a point inside each, in photo pixels. */
const NOT_FACES: readonly { file: string; x: number; y: number }[] = [{ file: 'sample2.jpg', x: 1467, y: 100 }];

interface Face {
  id: string;
  photo: RgbPixels;
  box: FaceBox;
  px: number;
  embedding: Float32Array;
}

const tracer = new Tracer(() => undefined);

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] ?? NaN;

const describe = (values: readonly number[]): string => {
  if (values.length === 0) return 'n=0';
  const s = [...values].sort((a, b) => a - b);
  const f = (v: number): string => v.toFixed(3);
  return `n=${s.length} min=${f(quantile(s, 0))} p5=${f(quantile(s, 0.05))} median=${f(quantile(s, 0.5))} p95=${f(quantile(s, 0.95))} max=${f(quantile(s, 1))}`;
};

const embedAll = async (embedder: FaceEmbedder, items: readonly { photo: RgbPixels; box: FaceBox }[]): Promise<Float32Array[]> => {
  const crops = await Promise.all(items.map(async (item) => ({ kind: 'rgb' as const, data: await cropFaceChip(item.photo, item.box) })));
  return embedder.embed(crops, tracer);
};

const pairwise = (a: readonly Float32Array[]): number[] => {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) out.push(cosineSimilarity(a[i] as Float32Array, a[j] as Float32Array));
  return out;
};

const main = async (): Promise<void> => {
  const store = await ModelStore.open({ cacheDir: path.join(os.tmpdir(), 'archaive-models') });
  const detector = await loadUltraFace(await store.path(FACE_DETECTOR_MODEL));
  const embedder = await loadFaceEmbedder(await store.path(FACE_EMBEDDER_MODEL));
  const demoDir = findPackageDir('@vladmandic/face-api');
  if (demoDir === undefined) throw new Error('@vladmandic/face-api is not installed (npm install)');
  const samples = path.resolve(process.cwd(), 'test/fixtures/samples');
  const photos = [
    ...[1, 2, 3, 4, 5, 6].map((i) => path.join(demoDir, 'demo', `sample${i}.jpg`)),
    path.join(samples, 'panel-photo.png'),
    path.join(samples, 'group-photo.png'),
  ];

  const faces: Face[] = [];
  for (const file of photos) {
    const photo = await decodeRgb(await readFile(file));
    const notFaces = NOT_FACES.filter((n) => n.file === path.basename(file));
    const found = (await detectFaces(photo, detector, tracer)).faces.filter(
      ({ box }) => !notFaces.some((n) => n.x >= box.x && n.x <= box.x + box.width && n.y >= box.y && n.y <= box.y + box.height),
    );
    const embeddings = await embedAll(embedder, found.map((f) => ({ photo, box: f.box })));
    found.forEach((f, i) => {
      const px = Math.max(f.box.width, f.box.height);
      faces.push({ id: `${path.basename(file)}#${i + 1}`, photo, box: f.box, px, embedding: embeddings[i] as Float32Array });
    });
    const sizes = found.map((f) => Math.round(Math.max(f.box.width, f.box.height))).sort((a, b) => a - b);
    console.log(`${path.basename(file)}: ${found.length} faces, box sides ${sizes[0] ?? '-'}..${sizes.at(-1) ?? '-'} px`);
  }

  const identities = faces.filter((f) => f.px >= IDENTITY_MIN_PX);
  const small = faces.filter((f) => f.px < IDENTITY_MIN_PX && f.px >= DEFAULT_MATCH_THRESHOLDS.minFacePx);
  const tiny = faces.filter((f) => f.px < DEFAULT_MATCH_THRESHOLDS.minFacePx);
  console.log(`\nidentities (faces >= ${IDENTITY_MIN_PX} px): ${identities.length}; faces ${DEFAULT_MATCH_THRESHOLDS.minFacePx}-${IDENTITY_MIN_PX} px: ${small.length}; under ${DEFAULT_MATCH_THRESHOLDS.minFacePx} px: ${tiny.length}`);

  console.log('\n## Different people (cosine similarity)');
  const different = pairwise(identities.map((f) => f.embedding));
  console.log(`identities vs each other:        ${describe(different)}`);
  console.log(`faces under ${DEFAULT_MATCH_THRESHOLDS.minFacePx} px vs each other:   ${describe(pairwise(tiny.map((f) => f.embedding)))}`);

  console.log('\n## Same face under variation (each identity vs its variant)');
  const variants: { face: number; variant: FaceVariant; embedding: Float32Array }[] = [];
  for (const [index, face] of identities.entries()) {
    const vs = await faceVariants(face.photo, face.box);
    const embeddings = await embedAll(embedder, vs);
    vs.forEach((variant, i) => variants.push({ face: index, variant, embedding: embeddings[i] as Float32Array }));
  }
  const sameOf = (keep: (v: FaceVariant) => boolean): number[] =>
    variants.filter((v) => keep(v.variant)).map((v) => cosineSimilarity(v.embedding, (identities[v.face] as Face).embedding));
  for (const name of [...new Set(variants.map((v) => v.variant.name))]) console.log(`${name.padEnd(8)} ${describe(sameOf((v) => v.name === name))}`);
  for (const kind of [...new Set(variants.map((v) => v.variant.kind))]) console.log(`all ${kind.padEnd(6)} ${describe(sameOf((v) => v.kind === kind))}`);
  const sameIdentifiable = sameOf((v) => v.facePx >= DEFAULT_MATCH_THRESHOLDS.minFacePx);
  console.log(`all >= ${DEFAULT_MATCH_THRESHOLDS.minFacePx} px ${describe(sameIdentifiable)}`);
  const differentVariants: number[] = [];
  for (const v of variants) {
    if (v.variant.facePx < DEFAULT_MATCH_THRESHOLDS.minFacePx) continue;
    identities.forEach((other, j) => {
      if (j !== v.face) differentVariants.push(cosineSimilarity(v.embedding, other.embedding));
    });
  }
  console.log(`\ndifferent people, variants >= ${DEFAULT_MATCH_THRESHOLDS.minFacePx} px vs other identities: ${describe(differentVariants)}`);

  console.log('\n## Threshold sweep: share of pairs at or above t');
  console.log('t      same(>=min px)  different  different(variants)');
  for (let t = 0.5; t <= 0.985; t += 0.04) {
    const share = (a: readonly number[]): string => `${((100 * a.filter((v) => v >= t).length) / a.length).toFixed(1)}%`;
    console.log(`${t.toFixed(2)}   ${share(sameIdentifiable).padEnd(14)}  ${share(different).padEnd(9)}  ${share(differentVariants)}`);
  }

  // Genuine: every identity is a figure with one exemplar; a variant must find its own figure.
  // Impostor: the same variant with its own figure removed: anything but "unknown" is a false lead.
  console.log(`\n## Decisions with the defaults ${JSON.stringify(DEFAULT_MATCH_THRESHOLDS)}`);
  const figures: FigureExemplars[] = identities.map((f) => ({ figureId: f.id, exemplars: [f.embedding] }));
  const genuine = new Map<string, number>();
  const impostor = new Map<string, number>();
  const gaps: number[] = [];
  const count = (m: Map<string, number>, key: string): void => {
    m.set(key, (m.get(key) ?? 0) + 1);
  };
  for (const v of variants) {
    const own = (identities[v.face] as Face).id;
    const decision = matchFace(v.embedding, v.variant.facePx, figures);
    const top = decision.candidates[0];
    const runnerUp = decision.candidates[1];
    if (top?.figureId === own && runnerUp !== undefined) gaps.push(top.similarity - runnerUp.similarity);
    if (decision.outcome === 'assigned') count(genuine, decision.figureId === own ? 'assigned (right)' : 'assigned (WRONG)');
    else if (decision.outcome === 'suggested') count(genuine, `suggested/${decision.reason}${top?.figureId === own ? ' (right figure first)' : ''}`);
    else count(genuine, 'unknown');
    const without = matchFace(v.embedding, v.variant.facePx, figures.filter((f) => f.figureId !== own));
    count(impostor, without.outcome === 'suggested' ? `suggested/${without.reason}` : without.outcome === 'assigned' ? 'assigned (WRONG)' : 'unknown');
  }
  const print = (m: Map<string, number>): string => [...m.entries()].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
  console.log(`genuine queries (${variants.length}): ${print(genuine)}`);
  console.log(`impostor queries (${variants.length}): ${print(impostor)}`);
  console.log(`lead of the right figure over the runner-up, when it is first: ${describe(gaps)}`);

  const fixture = await calibrateOnFixture(detector, embedder);
  const highestDifferent = Math.max(fixture.highestImpostor, ...different, ...differentVariants);
  const assign = (highestDifferent + fixture.lowestGenuine) / 2;
  console.log(`\n## Thresholds by the rule`);
  console.log(`highest different-person similarity ${highestDifferent.toFixed(3)} (fixture ${fixture.highestImpostor.toFixed(3)}); lowest genuine (fixture) ${fixture.lowestGenuine.toFixed(3)}`);
  console.log(`assign = ${assign.toFixed(3)} (margin ${(assign - highestDifferent).toFixed(3)} above the highest different-person pair, ${(fixture.lowestGenuine - assign).toFixed(3)} below the lowest genuine pair); suggest = ${highestDifferent.toFixed(3)}`);
};

/** Genuine and impostor pairs of the identify fixture, and what the defaults decide for its test views. */
const calibrateOnFixture = async (detector: UltraFace, embedder: FaceEmbedder): Promise<{ lowestGenuine: number; highestImpostor: number }> => {
  const images = await fixtureImages(IDENTIFY_FIXTURE);
  const faces: { photo: RgbPixels; box: FaceBox }[] = [];
  for (const image of images) faces.push(await largestFace(image.file, detector));
  const embeddings = await embedAll(embedder, faces);
  const genuine: number[] = [];
  const impostor: number[] = [];
  images.forEach((a, i) =>
    images.forEach((b, j) => {
      if (j > i) (a.identity === b.identity ? genuine : impostor).push(cosineSimilarity(embeddings[i] as Float32Array, embeddings[j] as Float32Array));
    }),
  );
  console.log(`\n## Identify fixture (${images.length} images, ${new Set(images.map((i) => i.identity)).size} identities)`);
  console.log(`genuine pairs:  ${describe(genuine)}`);
  console.log(`impostor pairs: ${describe(impostor)}`);
  // Its training photos are the figures; its test views the queries, known people and unknown ones.
  const training = images.flatMap((image, i) => (image.file.includes(`${path.sep}train${path.sep}`) ? [{ image, embedding: embeddings[i] as Float32Array }] : []));
  const figures: FigureExemplars[] = [...new Set(training.map((t) => t.image.identity))].map((figureId) => ({
    figureId,
    exemplars: training.filter((t) => t.image.identity === figureId).map((t) => t.embedding),
  }));
  const outcomes = new Map<string, number>();
  const leads: number[] = [];
  images.forEach((image, i) => {
    if (image.file.includes(`${path.sep}train${path.sep}`)) return;
    const known = figures.some((f) => f.figureId === image.identity);
    const decision = matchFace(embeddings[i] as Float32Array, Math.max((faces[i] as { box: FaceBox }).box.width, (faces[i] as { box: FaceBox }).box.height), figures);
    const [top, runnerUp] = decision.candidates;
    if (known && top?.figureId === image.identity && runnerUp !== undefined) leads.push(top.similarity - runnerUp.similarity);
    const what =
      decision.outcome === 'assigned'
        ? decision.figureId === image.identity
          ? 'assigned (right)'
          : 'assigned (WRONG)'
        : decision.outcome === 'suggested'
          ? `suggested/${decision.reason}`
          : 'unknown';
    const key = `${known ? 'known' : 'unknown person'}: ${what}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  });
  console.log(`decisions with the defaults: ${[...outcomes.entries()].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log(`lead of the right figure over the runner-up: ${describe(leads)}`);
  return { lowestGenuine: Math.min(...genuine), highestImpostor: Math.max(...impostor) };
};

await main();
