import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Esbuild from 'esbuild';
import { findUp } from '../model-store/locate.js';

/**
 * Run from TypeScript sources (tsx, vitest), a worker cannot load `.ts` modules the right way on
 * Node 20: tsx's ESM hooks do not reach worker threads, and its CommonJS route turns
 * `import ort from 'onnxruntime-node'` into `undefined`. So the worker's module graph is bundled
 * with esbuild (tsx's own dependency, present wherever the sources run) into one ES module under
 * node_modules/.cache, where Node resolves the packages it imports as usual. The built server
 * (dist/) never comes here.
 */
export const bundleWorker = (sourceFile: string): string => {
  // Loaded lazily: esbuild is a development dependency (through tsx).
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  const built = esbuild.buildSync({
    entryPoints: [sourceFile],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    write: false,
    logLevel: 'silent',
  });
  const code = built.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`esbuild produced nothing for ${sourceFile}`);
  const nodeModules = findUp('node_modules', path.dirname(sourceFile));
  if (nodeModules === undefined) throw new Error(`no node_modules above ${sourceFile}`);
  const dir = path.join(nodeModules, '.cache', 'archaive-workers');
  // Named by content: concurrent processes write the same file, and a stale one is never reused.
  const file = path.join(dir, `${path.basename(sourceFile, '.ts')}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, file);
  }
  return file;
};
