/**
 * npm run cli -- process [--kind mm|hf] [--workers N] FILE...
 *   Runs the classifier (unless --kind) and the matching pipeline for each file through the worker
 *   pool and prints the results as JSON. With DATA_DIR set, each file becomes an artefact in that
 *   store: faces are identified against its figures and the fields and trace are stored.
 * npm run cli -- seed-figures DIR
 *   Enrols labelled people from DIR/<person name>/*.jpg|png into the store at DATA_DIR (default
 *   ./data), one line per image, skipping images with no face, several faces or a face under 40 px.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '../src/errors.js';
import { factualDescription } from '../src/pipelines/artefact/description.js';
import type { ArtefactResult } from '../src/pipelines/artefact/process.js';
import type { ArtefactKind } from '../src/pipelines/classify/model.js';
import type { IdentifiedFace } from '../src/services/identification.js';
import type { TraceReport } from '../src/tracing/tracer.js';
import { enrolDirectory } from './lib/enrol.js';
import { openPipelineRuntime, type PipelineRuntime } from './lib/pipeline-runtime.js';

const round = (n: number, places = 1): number => Math.round(n * 10 ** places) / 10 ** places;

const summarise = (file: string, result: ArtefactResult, identified: IdentifiedFace[] | null, description: string | null, trace: { id: string; reports: number | null }) => ({
  file,
  kind: result.kind,
  kindSource: result.kindSource,
  confidence: result.classification === null ? null : round(result.classification.confidence, 4),
  faces: result.faces.map((f, i) => ({
    box: { x: round(f.box.x), y: round(f.box.y), w: round(f.box.w), h: round(f.box.h) },
    score: round(f.score, 3),
    quality: round(f.quality, 3),
    ...(identified === null
      ? {}
      : {
          assignment: identified[i]?.assignment ?? null,
          figureId: identified[i]?.figureId ?? null,
          figureLabel: identified[i]?.figureLabel ?? null,
          suggestedFigureId: identified[i]?.suggestedFigureId ?? null,
          similarity: identified[i]?.similarity === null || identified[i]?.similarity === undefined ? null : round(identified[i]?.similarity as number, 4),
        }),
  })),
  text: result.bannerText,
  description,
  ocr:
    result.kind === 'mm' && result.ocr !== null
      ? { orientation: result.ocr.orientation, rotation: result.ocr.rotation, lines: result.ocr.lines.length, text: result.ocr.text, reason: result.ocr.reason }
      : null,
  timings: result.timings,
  worker: result.worker,
  traceId: trace.id,
  traceReports: trace.reports,
});

const processFiles = async (runtime: PipelineRuntime, files: string[], kind: ArtefactKind | undefined): Promise<boolean> => {
  let ok = true;
  const out = await Promise.all(
    files.map(async (file) => {
      try {
        const image = await readFile(file);
        if (runtime.stored !== null) {
          const { store, pipeline } = runtime.stored;
          const stored = await store.files.putImage(image);
          const artefact = store.artefacts.create({
            name: path.basename(file),
            originalFilename: path.basename(file),
            fileSha256: stored.sha256,
            ...(kind === undefined ? {} : { kind: kind === 'mm' ? ('MM' as const) : ('HF' as const), kindSource: 'UPLOADER' as const }),
            createdBy: null,
          });
          const done = await pipeline.process(artefact);
          return { artefactId: artefact.id, ...summarise(file, done.result, done.persisted.faces, done.persisted.description, { id: done.traceId, reports: null }) };
        }
        const reports: TraceReport[] = [];
        const traceId = randomUUID();
        const result = await runtime.pool.run({ image, ...(kind === undefined ? {} : { kind }) }, { traceId, onReport: (r) => reports.push(r) });
        // Without a store nobody is known: the description counts people and quotes the text.
        const description = result.kind === 'hf' ? factualDescription({ people: result.faces.length, knownNames: [], bannerText: result.bannerText ?? '' }) : null;
        return summarise(file, result, null, description, { id: traceId, reports: reports.length });
      } catch (error) {
        ok = false;
        return { file, error: { code: isAppError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) } };
      }
    }),
  );
  console.log(JSON.stringify(out, null, 2));
  return ok;
};

const usage = 'usage: npm run cli -- process [--kind mm|hf] [--workers N] FILE... | seed-figures DIR';

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { kind: { type: 'string' }, workers: { type: 'string' } } });
  const [command, ...rest] = positionals;
  const kind = values.kind;
  if (kind !== undefined && kind !== 'mm' && kind !== 'hf') throw new Error(`--kind must be mm or hf\n${usage}`);
  const poolSize = values.workers === undefined ? undefined : Number(values.workers);
  if (command === 'process' && rest.length > 0) {
    const runtime = await openPipelineRuntime({ dataDir: process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : null, ...(poolSize ? { poolSize } : {}) });
    try {
      return (await processFiles(runtime, rest, kind)) ? 0 : 1;
    } finally {
      await runtime.close();
    }
  }
  if (command === 'seed-figures' && rest.length === 1) {
    const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
    const runtime = await openPipelineRuntime({ dataDir, ...(poolSize ? { poolSize } : {}) });
    try {
      const { store, identification } = runtime.stored!;
      const outcomes = await enrolDirectory(path.resolve(rest[0] as string), runtime.pool, identification, store, (o) =>
        console.log(o.status === 'enrolled' ? `${o.file}: enrolled as "${o.person}" (${o.newFigure ? 'new figure' : 'figure'} ${o.figureId}, face ${o.facePx} px)` : `${o.file}: skipped, ${o.reason}`),
      );
      const enrolled = outcomes.filter((o) => o.status === 'enrolled');
      console.log(`enrolled=${enrolled.length} skipped=${outcomes.length - enrolled.length} people=${new Set(enrolled.map((o) => o.person)).size} store=${dataDir}`);
      return enrolled.length > 0 ? 0 : 1;
    } finally {
      await runtime.close();
    }
  }
  console.error(usage);
  return 2;
};

process.exitCode = await main();
