import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ServerProcess {
  url: string;
  dataDir: string;
  /** Everything the process wrote to stdout and stderr so far (the logger writes to stdout). */
  output(): string;
  /** Sends SIGTERM, waits for the exit and removes DATA_DIR. */
  stop(): Promise<void>;
  /** Kills the process with SIGKILL (a crash: nothing runs on the way out) and keeps DATA_DIR. */
  crash(): Promise<void>;
}

/**
 * The real server as `npm start` runs it, in its own process with its own temporary DATA_DIR, so
 * that its log output can be read: pino writes straight to file descriptor 1, which an in-process
 * test cannot capture.
 */
export async function startServerProcess(env: Record<string, string>, existingDataDir?: string): Promise<ServerProcess> {
  const dataDir = existingDataDir ?? mkdtempSync(path.join(tmpdir(), 'archaive-process-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    const look = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
    crash: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
