import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors.js';
import { cached } from '../../src/model-store/cached.js';
import { defaultContextFile } from '../../src/model-store/locate.js';
import { cachedSession } from '../../src/model-store/sessions.js';

/** The smallest committed network (input "image", output "probs"). */
const network = path.join(path.dirname(defaultContextFile()), 'classifier', 'artefact-classifier.onnx');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'archaive-sessions-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rejection = async (promise: Promise<unknown>): Promise<AppError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
};

describe('cached', () => {
  it('builds once per key and shares the result with every caller', async () => {
    const built: string[] = [];
    const lengthOf = cached(
      (word) => word,
      async (word: string) => {
        built.push(word);
        return word.length;
      },
    );
    const first = lengthOf('abc');
    expect(lengthOf('abc')).toBe(first);
    expect(await Promise.all([first, lengthOf('de')])).toEqual([3, 2]);
    expect(built).toEqual(['abc', 'de']);
  });

  it('forgets a failed build, so the next call builds again', async () => {
    let attempts = 0;
    const flaky = cached(
      (key) => key,
      async (key: string) => {
        attempts++;
        if (attempts === 1) throw new Error(`first try at ${key} fails`);
        return attempts;
      },
    );
    const failed = flaky('k');
    await expect(failed).rejects.toThrow('first try');
    const retried = flaky('k');
    expect(retried).not.toBe(failed);
    expect(await retried).toBe(2);
    expect(await flaky('k')).toBe(2);
  });

  it('forgets a result that keep refuses', async () => {
    let attempts = 0;
    const count = cached(
      (key) => key,
      async (_key: string) => ++attempts,
      (n) => n >= 2,
    );
    expect(await count('k')).toBe(1);
    expect(await count('k')).toBe(2);
    expect(await count('k')).toBe(2);
  });
});

describe('cachedSession', () => {
  const spec = { model: 'test-network', inputs: ['image'], outputs: ['probs'] };

  it('opens one session per model file and shares it', async () => {
    const file = path.join(dir, 'shared.onnx');
    await copyFile(network, file);
    const session = await cachedSession(file, spec);
    expect(session.inputNames).toContain('image');
    expect(await cachedSession(file, spec)).toBe(session);
  });

  it('reports a missing file as MODEL_MISSING naming the model, and opens it once it is put in place', async () => {
    const file = path.join(dir, 'later.onnx');
    const error = await rejection(cachedSession(file, spec));
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.message).toContain('"test-network"');
    expect(error.details).toEqual({ model: 'test-network', file });
    await copyFile(network, file);
    expect((await cachedSession(file, spec)).outputNames).toContain('probs');
  });

  it('reports bytes that are no network as MODEL_CORRUPT', async () => {
    const file = path.join(dir, 'garbage.onnx');
    await writeFile(file, 'not a network');
    const error = await rejection(cachedSession(file, spec));
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('could not be loaded');
  });

  it('reports another network as MODEL_CORRUPT naming the tensor it lacks, and does not keep it', async () => {
    const file = path.join(dir, 'other.onnx');
    await copyFile(network, file);
    const wrong = { model: 'test-network', inputs: ['image'], outputs: ['embedding'] };
    const error = await rejection(cachedSession(file, wrong));
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('"embedding"');
    // Not kept: the same file asked for what it does hold loads.
    expect((await cachedSession(file, spec)).outputNames).toContain('probs');
  });
});
