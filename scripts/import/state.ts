import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Which batch a directory was imported into, per server, kept in the directory itself so that
 * running the import again resumes that batch. A hidden file: the importer never uploads it.
 */
const FILE = '.archaive-import.json';

type Batches = Record<string, string>;

const read = async (dir: string): Promise<Batches> => {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(dir, FILE), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Batches) : {};
  } catch {
    return {};
  }
};

export async function rememberedBatch(dir: string, server: string): Promise<string | null> {
  return (await read(dir))[server] ?? null;
}

/** Remembers the batch (or forgets it: null), written whole or not at all. */
export async function rememberBatch(dir: string, server: string, batchId: string | null): Promise<void> {
  const batches = await read(dir);
  if (batchId === null) delete batches[server];
  else batches[server] = batchId;
  const temp = path.join(dir, `${FILE}.tmp`);
  await writeFile(temp, `${JSON.stringify(batches, null, 2)}\n`);
  await rename(temp, path.join(dir, FILE));
}
