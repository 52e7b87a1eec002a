import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/server-process.js';
import { SUPERUSER } from '../support/server.js';

const root = process.cwd();
const tsx = path.resolve(root, 'node_modules/.bin/tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script as an operator would, with only the variables given (plus PATH and HOME). */
const run = (args: string[], env: Record<string, string>): Promise<Run> =>
  new Promise((resolve) => {
    execFile(tsx, args, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'archaive-ops-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const names = (dataDir: string): string[] => {
  const db = new Database(path.join(dataDir, 'archaive.sqlite'), { readonly: true });
  try {
    return db.prepare<[], { name: string }>('SELECT name FROM artefacts ORDER BY rowid').all().map((r) => r.name);
  } finally {
    db.close();
  }
};

describe.concurrent('npm run seed:demo', () => {
  it('refuses a count that is not a whole number, saying what it takes', async () => {
    const r = await run(['scripts/seed-demo.ts', 'abc'], { DATA_DIR: path.join(dir, 'refused') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a whole number from 1 to 100,000 (got "abc")');
    expect(r.stdout).not.toContain('NaN');
  });

  it('seeds once, numbering each kind from 1, and leaves a seeded catalogue as it is when run again', { timeout: 120_000 }, async () => {
    const dataDir = path.join(dir, 'seeded');
    const first = await run(['scripts/seed-demo.ts', '4'], { DATA_DIR: dataDir });
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('Seeded 4 demo artefacts');
    expect(names(dataDir)).toEqual(['Demo minutes 1', 'Demo photo 1', 'Demo minutes 2', 'Demo photo 2']);
    const again = await run(['scripts/seed-demo.ts', '4'], { DATA_DIR: dataDir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already holds 4 demo artefacts; nothing changed');
    expect(names(dataDir)).toHaveLength(4);
  });

  it('refuses to run while a server holds the data directory, and runs once it stopped', { timeout: 120_000 }, async () => {
    const server = await startServerProcess({ SUPERUSER_USERNAME: SUPERUSER.username, SUPERUSER_EMAIL: SUPERUSER.email, SUPERUSER_PASSWORD: SUPERUSER.password });
    const dataDir = server.dataDir;
    try {
      const refused = await run(['scripts/seed-demo.ts', '2'], { DATA_DIR: dataDir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/A server \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) is running on DATA_DIR .*: stop it first/);
      expect(names(dataDir)).toEqual([]);
    } finally {
      await server.stop();
    }
    const seeded = await run(['scripts/seed-demo.ts', '2'], { DATA_DIR: dataDir });
    rmSync(dataDir, { recursive: true, force: true });
    expect(seeded.stdout, seeded.stderr).toContain('Seeded 2 demo artefacts');
  });
});

describe.concurrent('start-up problems', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('names PORT when the port is taken, in one line without a stack trace', { timeout: 120_000 }, async () => {
    const r = await run(['src/main.ts'], { DATA_DIR: path.join(dir, 'busy'), PORT: String(busyPort), SUPERUSER_PASSWORD: SUPERUSER.password });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`Cannot start: port 127.0.0.1:${busyPort} is already in use (another server?); set PORT to a free port, or PORT=0 to pick one`);
  });

  it('names DATA_DIR when it cannot be written, for the server and for seed:demo', { timeout: 90_000 }, async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const args of [['src/main.ts'], ['scripts/seed-demo.ts', '2']]) {
      const r = await run(args, { DATA_DIR: path.join(file, 'data'), PORT: '0' });
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr.trim(), args[0]).toMatch(/^Cannot start: DATA_DIR .*a-file\/data is not a folder this user can write \(ENOTDIR\); set DATA_DIR to one that is$/);
    }
  });
});
