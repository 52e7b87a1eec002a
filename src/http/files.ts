import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.js';
import { THUMBNAIL_SIZES, type ThumbnailSize } from '../store/files.js';

const denied = (reply: FastifyReply) =>
  reply.code(401).send({ errors: [{ message: 'Sign in first', extensions: { code: 'UNAUTHENTICATED' } }] });
const missing = (reply: FastifyReply) => reply.code(404).send({ errors: [{ message: 'File not found', extensions: { code: 'NOT_FOUND' } }] });

function lookup(store: Store, request: FastifyRequest<{ Params: { sha256: string } }>) {
  const { sha256 } = request.params;
  return /^[0-9a-f]{64}$/.test(sha256) ? store.files.inUse(sha256) : undefined;
}

/**
 * Image files and their thumbnails for signed-in users. Content-addressed, so they never change:
 * browsers may cache them for good (privately: they are not public).
 */
export async function registerFiles(app: FastifyInstance, store: Store): Promise<void> {
  app.get<{ Params: { sha256: string } }>('/files/:sha256', async (request, reply) => {
    if (request.viewer === null) return denied(reply);
    const file = lookup(store, request);
    if (!file) return missing(reply);
    return reply
      .type(file.mime)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(store.files.pathOf(file.sha256)));
  });

  app.get<{ Params: { sha256: string; size: string } }>('/files/:sha256/thumbnail/:size', async (request, reply) => {
    if (request.viewer === null) return denied(reply);
    const size = Number(request.params.size) as ThumbnailSize;
    if (!THUMBNAIL_SIZES.includes(size)) {
      return reply.code(400).send({ errors: [{ message: `size must be one of ${THUMBNAIL_SIZES.join(', ')}`, extensions: { code: 'BAD_USER_INPUT' } }] });
    }
    const file = lookup(store, request);
    if (!file) return missing(reply);
    const thumb = await store.files.thumbnail(file.sha256, size);
    return reply.type('image/webp').header('cache-control', 'private, max-age=31536000, immutable').send(createReadStream(thumb));
  });
}
