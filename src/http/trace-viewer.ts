import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { securePages } from './page-security.js';
import { projectRoot } from './project-root.js';

// The page's own files, kept beside this module's source (the build does not copy them).
const DIR = path.join(projectRoot(), 'src', 'http', 'trace-viewer');
const ASSETS: Readonly<Record<string, string>> = { 'viewer.js': 'text/javascript', 'viewer.css': 'text/css' };

/**
 * The trace viewer at /traces: plain HTML, CSS and JavaScript from this server (no CDN), reading
 * the API as the signed-in user (cookie session), live through the traceEvents subscription.
 */
export async function registerTraceViewer(app: FastifyInstance): Promise<void> {
  securePages(app, '/traces');
  app.get('/traces', async (_request, reply) => reply.type('text/html; charset=utf-8').send(createReadStream(path.join(DIR, 'index.html'))));
  app.get<{ Params: { name: string } }>('/traces/:name', async (request, reply) => {
    const type = ASSETS[request.params.name];
    if (type === undefined) return reply.code(404).send({ error: 'Not found' });
    return reply.type(type).header('cache-control', 'no-cache').send(createReadStream(path.join(DIR, request.params.name)));
  });
}
