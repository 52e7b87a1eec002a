import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { CSRF_HEADER } from './authentication.js';
import type { Origins } from './origins.js';

/**
 * CORS for the origins listed in CORS_ORIGINS only, with credentials (the session cookie, the
 * Authorization header): another origin gets no CORS headers at all, so a browser neither sends it
 * a preflighted request nor lets its page read an answer. Registered before authentication, so a
 * refusal also carries the headers and the listed page can read why.
 */
export async function registerCors(app: FastifyInstance, origins: Origins): Promise<void> {
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && origins.isListed(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'accept', 'authorization', CSRF_HEADER],
    maxAge: 600,
  });
}
