/**
 * npm run cli -- process [--kind mm|hf] [--workers N] FILE...
 *   Processes each file exactly as the server does (the same handler and result writer): with
 *   DATA_DIR set, each file becomes an artefact in that store, its faces identified against its
 *   figures; without it, in a temporary store removed afterwards. Prints the results as JSON.
 * npm run cli -- import DIR [--server URL] [--name NAME] [--kind mm|hf] [--json] [--user NAME]
 *   Uploads every image under DIR to a running server as one batch, starts it and follows its
 *   progress (scripts/import/command.ts); run again on DIR, it resumes that batch.
 * npm run cli -- seed-figures DIR
 *   Enrols labelled people from DIR/<person name>/*.jpg|png into the store at DATA_DIR (default
 *   ./data), one line per image, skipping images with no face, several faces of similar size (the clearly largest is taken) or a face under 40 px.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { App } from '../src/app.js';
import type { ArtefactKind } from '../src/artefact-kind.js';
import { isAppError } from '../src/errors.js';
import type { ProcessedArtefact } from '../src/jobs/process-artefact.js';
import { runImport } from './import/command.js';

const round = (n: number, places = 1): number => Math.round(n * 10 ** places) / 10 ** places;

/** What the store now holds for the artefact, with the worker's timings. */
const summarise = (app: App, file: string, artefactId: string, done: ProcessedArtefact) => {
  const { result } = done;
  const fields = new Map(app.store.artefacts.currentFields([artefactId]).map((f) => [f.field, f.value]));
  const faces = app.store.figures.facesOfArtefacts([artefactId]);
  const labels = new Map(app.store.figures.byIds(faces.flatMap((f) => (f.figureId === null ? [] : [f.figureId]))).map((f) => [f.id, f.label]));
  return {
    file,
    artefactId,
    kind: result.kind,
    kindSource: result.kindSource,
    confidence: result.kindConfidence === null ? null : round(result.kindConfidence, 4),
    faces: faces.map((f) => ({
      box: { x: round(f.box.x), y: round(f.box.y), w: round(f.box.w), h: round(f.box.h) },
      score: f.detectorScore === null ? null : round(f.detectorScore, 3),
      quality: f.quality === null ? null : round(f.quality, 3),
      assignment: f.assignment,
      figureId: f.figureId,
      figureLabel: f.figureId === null ? null : (labels.get(f.figureId) ?? null),
      suggestedFigureId: f.suggestedFigureId,
      similarity: f.similarity === null ? null : round(f.similarity, 4),
    })),
    text: fields.get('bannerText') ?? null,
    description: fields.get('description') ?? null,
    ocr:
      result.kind === 'MM' && result.ocr !== null
        ? { orientation: result.ocr.orientation, rotation: result.ocr.rotation, lines: result.ocr.lines.length, text: result.ocr.text, reason: result.ocr.reason }
        : null,
    timings: result.timings,
    worker: result.worker,
    traceId: done.traceId,
    traceReports: app.store.traces.reports(done.traceId, { first: 1 }, { level: null }).count(),
  };
};

const processFiles = async (app: App, files: string[], kind: ArtefactKind | undefined): Promise<boolean> => {
  let ok = true;
  const out = await Promise.all(
    files.map(async (file) => {
      try {
        const stored = await app.store.files.putImage(await readFile(file));
        const artefact = app.store.artefacts.create({
          name: path.basename(file),
          originalFilename: path.basename(file),
          fileSha256: stored.sha256,
          ...(kind === undefined ? {} : { kind, kindSource: 'UPLOADER' as const }),
          createdBy: null,
        });
        return summarise(app, file, artefact.id, await app.jobs.process.run(artefact));
      } catch (error) {
        ok = false;
        return { file, error: { code: isAppError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) } };
      }
    }),
  );
  console.log(JSON.stringify(out, null, 2));
  return ok;
};

/** The application over DATA_DIR, or over a temporary one that is removed when the command ends. */
const withApp = async (dataDir: string | null, poolSize: number | undefined, work: (app: App) => Promise<boolean>): Promise<boolean> => {
  // Loaded here, not above: the import command talks to a server and starts in a second without them.
  const { createApp } = await import('../src/app.js');
  const { loadConfig, loadDotEnv } = await import('../src/config.js');
  loadDotEnv();
  const temporary = dataDir === null ? mkdtempSync(path.join(tmpdir(), 'archaive-cli-')) : null;
  const app = await createApp(loadConfig({ ...process.env, DATA_DIR: dataDir ?? (temporary as string) }), poolSize === undefined ? {} : { poolSize });
  try {
    return await work(app);
  } finally {
    await app.close();
    if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
  }
};

const usage =
  'usage: npm run cli -- process [--kind mm|hf] [--workers N] FILE... | seed-figures DIR | import DIR [--server URL] [--name NAME] [--kind mm|hf] [--json] [--user NAME]';

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      kind: { type: 'string' },
      workers: { type: 'string' },
      server: { type: 'string', default: 'http://127.0.0.1:4000' },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
      user: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  const given = values.kind?.toUpperCase();
  if (given !== undefined && given !== 'MM' && given !== 'HF') throw new Error(`--kind must be mm or hf\n${usage}`);
  const kind: ArtefactKind | undefined = given;
  const poolSize = values.workers === undefined ? undefined : Number(values.workers);
  if (command === 'import' && rest.length === 1) {
    return runImport({ dir: rest[0] as string, server: values.server, name: values.name ?? null, kind: kind ?? null, json: values.json, user: values.user ?? null });
  }
  if (command === 'process' && rest.length > 0) {
    const dataDir = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : null;
    return (await withApp(dataDir, poolSize, (app) => processFiles(app, rest, kind))) ? 0 : 1;
  }
  if (command === 'seed-figures' && rest.length === 1) {
    const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
    const { enrolDirectory } = await import('./lib/enrol.js');
    const enrolled = await withApp(dataDir, poolSize, async (app) => {
      const outcomes = await enrolDirectory(path.resolve(rest[0] as string), app, (o) =>
        console.log(o.status === 'enrolled' ? `${o.file}: enrolled as "${o.person}" (${o.newFigure ? 'new figure' : 'figure'} ${o.figureId}, ${o.facesInPhoto > 1 ? `the largest of ${o.facesInPhoto} faces, ` : ''}face ${o.facePx} px)` : `${o.file}: skipped, ${o.reason}`),
      );
      const ok = outcomes.filter((o) => o.status === 'enrolled');
      console.log(`enrolled=${ok.length} skipped=${outcomes.length - ok.length} people=${new Set(ok.map((o) => o.person)).size} store=${dataDir}`);
      return ok.length > 0;
    });
    return enrolled ? 0 : 1;
  }
  console.error(usage);
  return 2;
};

process.exitCode = await main();
