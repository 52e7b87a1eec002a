/**
 * npm run bench:api — seeds 10,000 artefacts with categories and figures, then loads a
 * 50-artefact catalogue page with autocannon: uncached, cached, and against a bare mercurius
 * server answering a constant response of the same size, in turns (BENCH_ROUNDS, default 3, of
 * BENCH_DURATION_S seconds a row, default 10). Prints a table of each row's median round.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import mercurius from 'mercurius';
import { loadConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import { seedCatalogue } from '../src/store/demo-seed.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const PASSWORD = 'benchmark password 1';
const PAGE_QUERY = `{ artefacts(first: 50) { totalCount pageInfo { endCursor hasNextPage } nodes { id name kind
  image { thumbnailUrl } categories { reason category { name } } books { position book { title } }
  batch { name } figures { label } transcription: field(name: TRANSCRIPTION) { value origin } caption: field(name: CAPTION) { value } } } }`;

interface Result {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  bytes: number;
}

async function autocannon(name: string, url: string, body: string, headers: Record<string, string>): Promise<Result> {
  const args = ['autocannon', '--json', '-c', String(CONNECTIONS), '-d', String(DURATION_S), '-m', 'POST', '-b', body];
  for (const [k, v] of Object.entries({ 'content-type': 'application/json', ...headers })) args.push('-H', `${k}=${v}`);
  args.push(url);
  // A separate process: a load generator in the server's own thread would measure itself. Async,
  // so this process's event loop keeps serving the servers under test.
  const { stdout: out } = await promisify(execFile)('npx', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; throughput: { average: number } };
  return {
    name,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    bytes: Math.round(r.throughput.average / Math.max(r.requests.average, 1)),
  };
}

/** The round with the median rate, whole, so that its latencies belong to it. */
function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no rounds');
  return middle;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'archaive-bench-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', SUPERUSER_PASSWORD: PASSWORD, SIGNIN_RATE_PER_MINUTE: '1000', GRAPHQL_MAX_COMPLEXITY: '1000000' };
  try {
    const cached = await buildServer(loadConfig({ ...env, CACHE_ENABLED: 'true' }));
    const started = performance.now();
    await seedCatalogue(cached.core.store, { artefacts: 10_000, categories: 50, books: 20, figures: 200 });
    console.log(`seeded 10,000 artefacts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const cachedUrl = await cached.app.listen({ port: 0, host: '127.0.0.1' });
    const uncached = await buildServer(loadConfig({ ...env, CACHE_ENABLED: 'false' }));
    const uncachedUrl = await uncached.app.listen({ port: 0, host: '127.0.0.1' });

    const signIn = await fetch(`${cachedUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { signIn(identifier: "admin", password: "${PASSWORD}") { token } }` }),
    });
    const token = ((await signIn.json()) as { data: { signIn: { token: string } } }).data.signIn.token;
    const auth = { authorization: `Bearer ${token}` };
    const body = JSON.stringify({ query: PAGE_QUERY });
    const sample = await (await fetch(`${cachedUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body })).json() as {
      data: unknown;
    };

    const bare = Fastify();
    await bare.register(mercurius, { schema: 'scalar JSON\ntype Query { page: JSON }', resolvers: { Query: { page: () => sample.data } } });
    const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

    const rows = [
      () => autocannon('bare mercurius, constant response', `${bareUrl}/graphql`, JSON.stringify({ query: '{ page }' }), {}),
      () => autocannon('ArchAIve page of 50, uncached', `${uncachedUrl}/graphql`, body, auth),
      () => autocannon('ArchAIve page of 50, cached', `${cachedUrl}/graphql`, body, auth),
    ];
    // The rows take turns, round after round, so that a change in the machine's load falls on all
    // of them alike; each row reports its median round.
    const rounds: Result[][] = rows.map(() => []);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [i, row] of rows.entries()) rounds[i]?.push(await row());
    }
    const results = rounds.map(median);
    await Promise.all([bare.close(), cached.app.close(), uncached.app.close()]);

    const bareRate = results[0]?.requestsPerSecond ?? 1;
    console.log(`\nMachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    // Other work on the machine moves every figure; the load says how much.
    console.log(`Load average (1, 5, 15 min) at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')}`);
    console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION_S} s a row, ${ROUNDS} rounds (median round shown), separate process\n`);
    console.log('| server | requests/s | p50 ms | p99 ms | × bare | bytes/response | errors |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(
        `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.requestsPerSecond / bareRate).toFixed(2)} | ${r.bytes} | ${r.errors} |`,
      );
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
