import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A start-up problem the operator fixes by changing the variable its message names: said in a line, not a stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** Creates DATA_DIR (only the server's user may read it) and proves it can be written. */
export function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new StartupError(`DATA_DIR ${dataDir} is not a folder this user can write (${code}); set DATA_DIR to one that is`);
  }
}

// The running server writes its pid here, so that tools which write the database directly
// (seed:demo) can refuse to run under it. A stale file from a crash names a dead pid and is ignored.
const MARKER = 'server.pid';

export interface ServingProcess {
  pid: number;
  url: string;
}

/** Marks DATA_DIR as served by this process; returns the release, called at shutdown. */
export function markServing(dataDir: string, url: string): () => void {
  const file = path.join(dataDir, MARKER);
  writeFileSync(file, JSON.stringify({ pid: process.pid, url } satisfies ServingProcess), { mode: 0o600 });
  return () => {
    if (servingProcess(dataDir)?.pid === process.pid) rmSync(file, { force: true });
  };
}

/** The live server process on DATA_DIR, or null when none is (or only a crashed one left its mark). */
export function servingProcess(dataDir: string): ServingProcess | null {
  let marked: ServingProcess;
  try {
    marked = JSON.parse(readFileSync(path.join(dataDir, MARKER), 'utf8')) as ServingProcess;
  } catch {
    return null;
  }
  if (!Number.isInteger(marked.pid)) return null;
  try {
    process.kill(marked.pid, 0);
    return marked;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? marked : null;
  }
}
