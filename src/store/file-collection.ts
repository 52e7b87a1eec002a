import type { FileStore } from './files.js';

const EVERY_MS = 3_600_000;

/**
 * Deletes unreferenced files (replaced or removed pictures, deleted artefacts' scans) whose bytes were
 * stored at least `retentionMs` ago: at once, then every hour. Returns the function that stops it.
 */
export function scheduleFileCollection(files: FileStore, retentionMs: number, log: (message: string) => void): () => void {
  const collect = () => {
    const removed = files.collectUnreferenced(new Date(Date.now() - retentionMs));
    if (removed > 0) log(`Deleted ${removed} unreferenced file${removed === 1 ? '' : 's'}`);
  };
  collect();
  const timer = setInterval(collect, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
