import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** The image formats the server reads. */
const IMAGE = /\.(jpe?g|png|webp|tiff?|gif)$/i;

export interface LocalFile {
  /** Where it is on disk. */
  path: string;
  /** Its path under the directory, with `/` between folders. */
  relative: string;
  /** The name it is uploaded under: the relative path, folders joined by `_` (names must differ within an upload). */
  uploadName: string;
  bytes: number;
  sha256: string;
}

const sha256Of = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(file)) hash.update(piece as Buffer);
  return hash.digest('hex');
};

/** Every image under `dir` (recursively, hidden files and folders left out), in path order, with its size and SHA-256. */
export async function imagesUnder(dir: string): Promise<LocalFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const relatives = entries
    .filter((e) => e.isFile() && IMAGE.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep))
    .filter((parts) => !parts.some((p) => p.startsWith('.')))
    .map((parts) => parts.join('/'))
    .sort();
  const files: LocalFile[] = [];
  for (const relative of relatives) {
    const full = path.join(dir, relative);
    files.push({ path: full, relative, uploadName: relative.replaceAll('/', '_'), bytes: (await stat(full)).size, sha256: await sha256Of(full) });
  }
  return files;
}
