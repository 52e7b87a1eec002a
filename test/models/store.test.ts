import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/errors.js';
import { graphInterfaceMismatches } from '../../src/model-store/graph-interface.js';
import { ModelStore } from '../../src/model-store/store.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const payload = Buffer.from('a small stand-in for model weights\n'.repeat(200));

let dir: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'archaive-models-'));
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/good.bin' || req.url === '/bad.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(payload);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

type Source = { kind: 'file'; path: string } | { kind: 'url'; url: string } | { kind: 'package'; package: string; path: string };

/** Writes a registry with the given entries into its own folder and opens a store on it. */
const storeWith = async (name: string, models: { name: string; source: Source; sha256: string; bytes: number; required?: boolean }[]): Promise<ModelStore> => {
  const folder = path.join(dir, name);
  const contextFile = path.join(folder, 'context.json');
  const entries = models.map((m) => ({
    task: 'test',
    licence: 'MIT',
    upstream: 'test fixture',
    provenance: 'written by the test',
    required: true,
    ...m,
  }));
  await mkdir(folder, { recursive: true });
  await writeFile(contextFile, JSON.stringify({ version: 1, models: entries }));
  return ModelStore.open({ contextFile, cacheDir: path.join(folder, 'cache') });
};

const rejection = async (promise: Promise<unknown>): Promise<AppError> => {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
};

describe('ModelStore with the shipped registry', () => {
  it('finds and verifies every registered model in the installed packages', async () => {
    const store = await ModelStore.open({ cacheDir: path.join(dir, 'unused-cache') });
    const statuses = await store.verifyAll({ download: false });
    expect(statuses.map((s) => s.name)).toEqual(expect.arrayContaining(['ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-mobile-v2-cls', 'ppocr-keys-v1', 'ultraface-rfb-320']));
    for (const s of statuses) expect(s, s.name).toMatchObject({ status: 'ok', message: null });
    await expect(store.ensureRequired()).resolves.toHaveLength(statuses.filter((s) => s.required).length);
  });

  it('records the face detector interface truthfully', async () => {
    const store = await ModelStore.open({ cacheDir: path.join(dir, 'unused-cache') });
    const entry = store.entry('ultraface-rfb-320');
    expect(await graphInterfaceMismatches(entry, await store.path(entry.name))).toEqual([]);
    const wrong = { ...entry, inputs: [{ name: 'input', type: 'float32', shape: [1, 3, 480, 640] }] };
    expect(await graphInterfaceMismatches(wrong, await store.path(entry.name))).toHaveLength(1);
  });
});

describe('ModelStore failures', () => {
  it('reports a missing committed file as MODEL_MISSING naming the model and how to restore it', async () => {
    const store = await storeWith('missing', [{ name: 'gone', source: { kind: 'file', path: 'gone.onnx' }, sha256: sha(payload), bytes: payload.length }]);
    const [status] = await store.verifyAll({ download: false });
    expect(status?.status).toBe('missing');
    const error = await rejection(store.path('gone'));
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.message).toContain('"gone"');
    expect(error.message).toContain('git checkout');
  });

  it('checks again after a failure, so a model put in place later is found', async () => {
    const store = await storeWith('later', [{ name: 'later', source: { kind: 'file', path: 'later.onnx' }, sha256: sha(payload), bytes: payload.length }]);
    expect((await rejection(store.path('later'))).code).toBe('MODEL_MISSING');
    await writeFile(path.join(dir, 'later', 'later.onnx'), payload);
    expect(await store.path('later')).toBe(path.join(dir, 'later', 'later.onnx'));
  });

  it('reports a file with the wrong checksum as MODEL_CORRUPT', async () => {
    const store = await storeWith('corrupt', [{ name: 'tampered', source: { kind: 'file', path: 'tampered.onnx' }, sha256: sha(payload), bytes: payload.length }]);
    const altered = Buffer.from(payload);
    altered[10] = altered[10]! ^ 0xff;
    await writeFile(path.join(dir, 'corrupt', 'tampered.onnx'), altered);
    const error = await rejection(store.path('tampered'));
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('"tampered"');
    expect(error.message).toContain(sha(altered));
  });

  it('reports a truncated file as MODEL_CORRUPT by its size', async () => {
    const store = await storeWith('truncated', [{ name: 'short', source: { kind: 'file', path: 'short.onnx' }, sha256: sha(payload), bytes: payload.length }]);
    await writeFile(path.join(dir, 'truncated', 'short.onnx'), payload.subarray(0, 100));
    const error = await rejection(store.path('short'));
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('100 bytes');
  });

  it('reports a package that is not installed as MODEL_MISSING telling to run npm install', async () => {
    const store = await storeWith('nopackage', [
      { name: 'elsewhere', source: { kind: 'package', package: '@archaive/not-a-package', path: 'm.onnx' }, sha256: sha(payload), bytes: payload.length },
    ]);
    const error = await rejection(store.path('elsewhere'));
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.message).toContain('@archaive/not-a-package');
    expect(error.message).toContain('npm install');
  });

  it('ensureRequired lists every failing required model and ignores optional ones', async () => {
    const store = await storeWith('required', [
      { name: 'one', source: { kind: 'file', path: 'one.onnx' }, sha256: sha(payload), bytes: payload.length },
      { name: 'two', source: { kind: 'file', path: 'two.onnx' }, sha256: sha(payload), bytes: payload.length },
      { name: 'optional', source: { kind: 'file', path: 'three.onnx' }, sha256: sha(payload), bytes: payload.length, required: false },
    ]);
    const error = await rejection(store.ensureRequired());
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.details).toEqual({ models: ['one', 'two'] });
  });

  it('refuses a malformed registry', async () => {
    const contextFile = path.join(dir, 'malformed.json');
    await writeFile(contextFile, JSON.stringify({ version: 1, models: [{ name: 'x', sha256: 'abc' }] }));
    const error = await rejection(ModelStore.open({ contextFile, cacheDir: dir }));
    expect(error.message).toContain('invalid');
  });
});

describe('ModelStore URL sources (loopback HTTP server)', () => {
  it('downloads once into the cache, verified, and reuses the cached file', async () => {
    const model = { name: 'remote', source: { kind: 'url' as const, url: `${baseUrl}/good.bin` }, sha256: sha(payload), bytes: payload.length };
    const store = await storeWith('url-good', [model]);
    const before = requests.length;
    const file = await store.path('remote');
    expect(file).toBe(path.join(dir, 'url-good', 'cache', 'remote.bin'));
    expect(await readdir(path.dirname(file))).toEqual(['remote.bin']);
    // A second store (a restart) finds the cached copy without asking the server again.
    const again = await ModelStore.open({ contextFile: store.contextFile, cacheDir: path.dirname(file) });
    expect(await again.path('remote')).toBe(file);
    expect(requests.length - before).toBe(1);
  });

  it('discards a download whose checksum is wrong and reports MODEL_CORRUPT', async () => {
    const store = await storeWith('url-bad', [{ name: 'liar', source: { kind: 'url', url: `${baseUrl}/bad.bin` }, sha256: 'f'.repeat(64), bytes: payload.length }]);
    const error = await rejection(store.path('liar'));
    expect(error.code).toBe('MODEL_CORRUPT');
    expect(error.message).toContain('"liar"');
    expect(error.message).toContain(sha(payload));
    // Nothing that could pass for the model is left behind, not even the temporary file.
    expect(await readdir(path.join(dir, 'url-bad', 'cache'))).toEqual([]);
  });

  it('reports an HTTP error as MODEL_MISSING with the URL', async () => {
    const store = await storeWith('url-404', [{ name: 'absent', source: { kind: 'url', url: `${baseUrl}/absent.bin` }, sha256: sha(payload), bytes: payload.length }]);
    const error = await rejection(store.path('absent'));
    expect(error.code).toBe('MODEL_MISSING');
    expect(error.message).toContain('HTTP 404');
    expect(error.message).toContain(`${baseUrl}/absent.bin`);
  });

  it('does not download when asked only to verify', async () => {
    const store = await storeWith('url-nodownload', [{ name: 'later', source: { kind: 'url', url: `${baseUrl}/good.bin` }, sha256: sha(payload), bytes: payload.length }]);
    const before = requests.length;
    const [status] = await store.verifyAll({ download: false });
    expect(status?.status).toBe('missing');
    expect(requests.length).toBe(before);
  });
});
