import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../../src/app.js';
import { DEFAULT_MATCH_THRESHOLDS } from '../../src/pipelines/faces/match.js';

export type EnrolOutcome =
  | { file: string; person: string; status: 'enrolled'; figureId: string; newFigure: boolean; facePx: number; facesInPhoto: number }
  | { file: string; person: string; status: 'skipped'; reason: string };

export const IMAGE_FILE = /\.(jpe?g|png)$/i;

// A labelled photo may also show a false alarm or someone in the background: its largest face is
// the subject when it is at least this many times the area of the next; otherwise who is who is unknown.
const DOMINANT_AREA = 2;

type Face = { box: { w: number; h: number } };

/** The photo's subject: its only face, or its clearly largest; else why there is none. */
export function subjectFace<F extends Face>(faces: readonly F[]): F | string {
  const area = (f: Face): number => f.box.w * f.box.h;
  const [largest, next] = [...faces].sort((a, b) => area(b) - area(a));
  if (largest === undefined) return 'no face found';
  if (next !== undefined && area(largest) < DOMINANT_AREA * area(next)) {
    return `${faces.length} faces of similar size found (the largest must be at least ${DOMINANT_AREA}× the next to be taken as the person)`;
  }
  return largest;
}

/**
 * Enrols labelled people from `dir/<person name>/*.jpg|png`: each image's subject (its only or its
 * clearly largest face, see subjectFace) must be at least `minFacePx` (smaller faces give unreliable
 * exemplars); others are skipped with the reason. One line per image goes to `onOutcome` as it is decided.
 */
export const enrolDirectory = async (
  dir: string,
  app: App,
  onOutcome: (outcome: EnrolOutcome) => void,
): Promise<EnrolOutcome[]> => {
  const people = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const jobs = await Promise.all(
    people.map(async (person) => (await readdir(path.join(dir, person))).filter((f) => IMAGE_FILE.test(f)).sort().map((f) => ({ person, file: path.join(person, f) }))),
  );
  const outcomes: EnrolOutcome[] = [];
  const done = (o: EnrolOutcome): void => {
    outcomes.push(o);
    onOutcome(o);
  };
  // Faces are found in parallel through the pool; figures are written in order.
  const found = jobs.flat().map(async ({ person, file }) => {
    const image = await readFile(path.join(dir, file));
    try {
      return { person, file, image, result: await app.jobs.process.workerPool().run({ image, kind: 'HF', readText: false }, { tracing: false }) };
    } catch (error) {
      return { person, file, image, error: error instanceof Error ? error.message : String(error) };
    }
  });
  for (const pending of found) {
    const job = await pending;
    const { person, file } = job;
    if ('error' in job) {
      done({ file, person, status: 'skipped', reason: job.error ?? 'failed' });
      continue;
    }
    const faces = job.result.faces;
    const face = subjectFace(faces);
    if (typeof face === 'string') {
      done({ file, person, status: 'skipped', reason: face });
      continue;
    }
    const facePx = Math.round(Math.max(face.box.w, face.box.h));
    if (facePx < DEFAULT_MATCH_THRESHOLDS.minFacePx) {
      done({ file, person, status: 'skipped', reason: `face too small (${facePx} px < ${DEFAULT_MATCH_THRESHOLDS.minFacePx})` });
      continue;
    }
    const source = await app.store.files.putImage(job.image);
    const enrolled = await app.jobs.faces.enrol(person, face, source.sha256);
    done({ file, person, status: 'enrolled', figureId: enrolled.figureId, newFigure: enrolled.created, facePx, facesInPhoto: faces.length });
  }
  return outcomes;
};
