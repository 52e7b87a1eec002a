import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of this module; the repository root is found from here both in src/ and in dist/src/. */
const here = path.dirname(fileURLToPath(import.meta.url));

/** Walks up from `start` and returns the first `dir/relative` that exists. */
export const findUp = (relative: string, start: string = here): string | undefined => {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
};

/**
 * The folder of an installed npm package, looked up through node_modules the way Node does.
 * `require.resolve` is not used because packages with an "exports" map hide their package.json.
 */
export const findPackageDir = (packageName: string, start: string = here): string | undefined => {
  const manifest = findUp(path.join('node_modules', packageName, 'package.json'), start);
  return manifest === undefined ? undefined : path.dirname(manifest);
};

/** The registry shipped with the repository: models/context.json beside the root package.json. */
export const defaultContextFile = (): string => {
  const manifest = findUp('package.json');
  return path.join(manifest === undefined ? process.cwd() : path.dirname(manifest), 'models', 'context.json');
};
