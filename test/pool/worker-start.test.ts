import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { ModelStore } from '../../src/model-store/store.js';
import { artefactModelPaths } from '../../src/pipelines/artefact/engines.js';
import { FACE_EMBEDDER_MODEL } from '../../src/pipelines/faces/embed.js';
import { createArtefactPool } from '../../workers/artefact-pool.js';

describe('artefact workers at start', () => {
  it('a model a worker cannot load fails each task with an error naming it, instead of a hang or a loader error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'archaive-worker-start-'));
    const paths = await artefactModelPaths(await ModelStore.open({ cacheDir: dir }));
    const pool = createArtefactPool({ ...paths, faceEmbedder: path.join(dir, 'missing.onnx') }, 1);
    try {
      const error = await pool.run({ image: new Uint8Array([1, 2, 3]), kind: 'HF' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('MODEL_MISSING');
      expect((error as AppError).message).toContain(FACE_EMBEDDER_MODEL);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
