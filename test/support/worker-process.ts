import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForOutput } from './redis.js';

export interface WorkerProcess {
  pid: number;
  /** SIGTERM: finishes its jobs in hand, then exits. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, mid-job; its jobs are left locked until their locks expire. */
  crash(): Promise<void>;
}

/** `npm run worker` from the sources, in its own process, on one inference thread unless `env` says otherwise. */
export async function startWorkerProcess(redisUrl: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'archaive-worker-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, REDIS_URL: redisUrl, WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForOutput(child, /Worker ready/, 'the worker');
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { pid: child.pid as number, stop: () => end('SIGTERM'), crash: () => end('SIGKILL') };
}
