import { readFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelStore } from '../../src/model-store/store.js';
import { artefactModelPaths, loadArtefactEngines, type ArtefactEngines } from '../../src/pipelines/artefact/engines.js';
import { runArtefactTask, UNSURE_PAGE_BELOW } from '../../workers/artefact-task.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';


let models: ArtefactEngines;
beforeAll(async () => {
  models = await loadArtefactEngines(await artefactModelPaths(await ModelStore.open({ cacheDir: mkdtempSync(path.join(tmpdir(), 'archaive-kind-')) })));
});

const decide = async (image: Buffer) => {
  const { tracer, reports } = collectingTracer();
  const result = await runArtefactTask({ image, readText: false }, { tracer, progress: () => undefined, checkpoint: () => undefined }, models);
  return { result, reports };
};

describe('the kind the artefact task decides, classifier first and faces for an unsure page verdict', () => {
  it.each([
    ['minutes-page.jpg', 'MM'],
    ['panel-photo.png', 'HF'],
    ['group-photo.png', 'HF'],
  ] as const)('%s is %s', async (file, kind) => {
    const { result, reports } = await decide(await readFile(path.join(samples, file)));
    expect(result.kind).toBe(kind);
    const settled = reports.find((r) => r.source === 'classify.faces');
    // Faces are consulted only when the network said "page" below the bar.
    expect(settled !== undefined).toBe(result.classification?.kind === 'MM' && (result.classification?.confidence ?? 1) < UNSURE_PAGE_BELOW);
  });

  it('calls a grayscale copy of the panel photo hf too', async () => {
    const gray = await sharp(await readFile(path.join(samples, 'panel-photo.png'))).flatten({ background: '#ffffff' }).toColourspace('b-w').png().toBuffer();
    expect((await decide(gray)).result.kind).toBe('HF');
  });

  it('keeps a confident page verdict without looking for faces', async () => {
    const { result, reports } = await decide(await readFile(path.join(samples, 'minutes-page.jpg')));
    expect(result.classification?.confidence).toBeGreaterThan(UNSURE_PAGE_BELOW);
    expect(reports.some((r) => r.source === 'classify.faces')).toBe(false);
    expect(result.faces).toEqual([]);
  });
});
