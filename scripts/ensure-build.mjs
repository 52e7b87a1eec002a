// `npm start` builds first when dist/ is missing or older than any source file.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const target = 'dist/src/main.js';
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);

const sources = ['src', 'resolvers', 'workers', 'scripts'].filter(existsSync);
const stale = !existsSync(target) || sources.some((d) => newest(d) > statSync(target).mtimeMs);
if (stale) {
  console.log('Building (tsc)…');
  execSync('npx tsc -p tsconfig.json', { stdio: 'inherit' });
}
