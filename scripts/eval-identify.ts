/**
 * npm run eval:identify -- DIR [--workers N]
 * Enrols DIR/train/<person>/*.jpg|png into a temporary store (as seed-figures does), then decides
 * who is in each DIR/test/* image listed in DIR/labels.json ({"<test file>": "<person>" | "unknown"})
 * with the identification rules, using the largest face of each test image. Prints one line per
 * image, then what the product decided — automatic assignments, right and wrong, and suggestions
 * left for a person — and, last, `top1=<0..1> unknown_rejection=<0..1>`:
 *   top1              share of known people whose best-ranked figure is the right person (the
 *                     ranking, not a decision);
 *   unknown_rejection share of unknown people not assigned automatically to anyone.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { enrolDirectory } from './lib/enrol.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { workers: { type: 'string' } } });
const dir = positionals[0];
if (dir === undefined) {
  console.error('usage: npm run eval:identify -- DIR [--workers N]');
  process.exit(2);
}
const labels = JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8')) as Record<string, string>;
const dataDir = await mkdtemp(path.join(tmpdir(), 'archaive-eval-identify-'));
loadDotEnv();
const app = await createApp(loadConfig({ ...process.env, DATA_DIR: dataDir }), values.workers ? { poolSize: Number(values.workers) } : {});
try {
  const { store } = app;
  const pool = app.jobs.process.workerPool();
  const enrolled = await enrolDirectory(path.join(dir, 'train'), app, (o) =>
    console.log(`train ${o.file}: ${o.status === 'enrolled' ? `enrolled (${o.facesInPhoto > 1 ? `the largest of ${o.facesInPhoto} faces, ` : ''}face ${o.facePx} px)` : `skipped, ${o.reason}`}`),
  );
  console.log(`enrolled ${enrolled.filter((o) => o.status === 'enrolled').length} images of ${new Set(enrolled.filter((o) => o.status === 'enrolled').map((o) => o.person)).size} people`);
  const labelOf = (figureId: string): string => store.figures.byIds([figureId])[0]?.label ?? figureId;
  const files = Object.keys(labels).sort();
  const results = await Promise.all(
    files.map(async (file) => ({ file, result: await pool.run({ image: await readFile(path.join(dir, 'test', file)), kind: 'HF', readText: false }, { tracing: false }) })),
  );
  let known = 0;
  let top1 = 0;
  let unknown = 0;
  let rejected = 0;
  let assignedRight = 0;
  let assignedWrong = 0;
  let suggested = 0;
  for (const { file, result } of results) {
    const truth = labels[file] as string;
    const face = [...result.faces].sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h)[0];
    const decision = face === undefined ? null : app.jobs.faces.decide([face])[0];
    const best = decision?.candidates[0];
    const bestLabel = best === undefined ? null : labelOf(best.figureId);
    const assigned = decision?.outcome === 'assigned' ? labelOf(decision.figureId) : null;
    if (truth === 'unknown') {
      unknown++;
      if (assigned === null) rejected++;
    } else {
      known++;
      if (bestLabel === truth) top1++;
    }
    if (assigned !== null) assigned === truth ? assignedRight++ : assignedWrong++;
    if (decision?.outcome === 'suggested') suggested++;
    const what =
      decision === null || decision === undefined
        ? 'no face'
        : decision.outcome === 'suggested'
          ? `suggested (${decision.reason})`
          : decision.outcome === 'unknown'
            ? 'unknown'
            : decision.outcome === 'deferred'
              ? `not decided (${decision.reason}: ${decision.waitingExemplars} exemplars waiting)`
              : `assigned ${assigned}`;
    const candidates = (decision?.candidates ?? []).map((c) => `${labelOf(c.figureId)} ${c.similarity.toFixed(3)}`).join(', ');
    console.log(`${file}: truth=${truth} ${what}; faces=${result.faces.length}${face ? ` size=${Math.round(Math.max(face.box.w, face.box.h))}px` : ''}; candidates: ${candidates || 'none'}`);
  }
  console.log(`known=${known} unknown=${unknown} auto_assigned_right=${assignedRight} auto_assigned_wrong=${assignedWrong} suggested=${suggested}`);
  console.log(`top1=${known === 0 ? 0 : (top1 / known).toFixed(3)} unknown_rejection=${unknown === 0 ? 0 : (rejected / unknown).toFixed(3)}`);
} finally {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}
