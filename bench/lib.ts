import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { buildServer, type Server } from '../src/server.js';

const PASSWORD = 'bench pelican harbour 4711';

/** The real server on a loopback port with its own DATA_DIR, and the superuser's bearer token. */
export async function benchServer(): Promise<{ server: Server; url: string; token: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'archaive-bench-'));
  const server = await buildServer(
    loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', SUPERUSER_USERNAME: 'bench', SUPERUSER_PASSWORD: PASSWORD }),
  );
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const address = server.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($p: String!) { signIn(identifier: "bench", password: $p) { token } }', variables: { p: PASSWORD } }),
  });
  const token = ((await res.json()) as { data: { signIn: { token: string } } }).data.signIn.token;
  return {
    server,
    url,
    token,
    close: async () => {
      await server.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The value below which `p` of the sorted values lie (nearest rank). */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;

/** A process's peak resident memory so far (VmHWM, Linux), in MiB; null once it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

export const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export const machine = (): string => `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

/** Puts `entry` at the end of the `## section` of bench/RESULTS.md, before any section after it; a missing section is added first, with `intro`. */
export function addResults(section: string, intro: string, entry: string): void {
  const file = path.resolve('bench/RESULTS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const heading = new RegExp(`^## ${section}$`, 'm');
  if (!heading.test(text)) text = `${text.trimEnd()}\n\n## ${section}\n\n${intro}\n`;
  const start = text.search(heading);
  const next = text.slice(start + 1).search(/^## /m);
  const at = next === -1 ? text.length : start + 1 + next;
  writeFileSync(file, `${`${text.slice(0, at).trimEnd()}\n\n${entry}\n${text.slice(at)}`.trimEnd()}\n`);
}
