import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up from this file: the same answer from src/ under tsx
 * and from dist/src/ after tsc (which does not copy schema/ or models/).
 */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'schema'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the project root (a folder with package.json and schema/)');
    dir = parent;
  }
  return dir;
}
