import type { FastifyInstance } from 'fastify';

/** A named readiness check: the database, the models. */
export type ReadinessCheck = () => Promise<{ ok: boolean; detail?: string }> | { ok: boolean; detail?: string };

/** /healthz: the process is up. /readyz: every dependency answers (503 otherwise, with which). */
export async function registerHealth(app: FastifyInstance, checks: Readonly<Record<string, ReadinessCheck>>): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const results: Record<string, { ok: boolean; detail?: string }> = {};
    for (const [name, check] of Object.entries(checks)) {
      try {
        results[name] = await check();
      } catch (error) {
        results[name] = { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    }
    const ready = Object.values(results).every((r) => r.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
}
