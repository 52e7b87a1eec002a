import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { faceCrop } from '../services/headshots.js';
import { OVERLAY_KINDS, type Overlays } from '../services/overlays.js';
import type { Store } from '../store/store.js';
import { THUMBNAIL_SIZES, type ThumbnailSize } from '../store/files.js';
import type { SignedUrls } from './signed-urls.js';

type Query = Record<string, string | undefined>;

const refuse = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ errors: [{ message, extensions: { code } }] });
const missing = (reply: FastifyReply) => refuse(reply, 404, 'NOT_FOUND', 'File not found');

/** Shown inline (an `<img>` shows it), and saved under the original file name. */
const disposition = (name: string): string =>
  `inline; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

function lookup(store: Store, sha256: string) {
  return /^[0-9a-f]{64}$/.test(sha256) ? store.files.inUse(sha256) : undefined;
}

/**
 * Image files, their thumbnails and face crops, for a session (cookie or bearer) or through a
 * signed URL that the API handed out (an `<img>` cannot send a header). Content-addressed files
 * never change: browsers may cache them for good (privately: they are not public).
 */
export async function registerFiles(app: FastifyInstance, { store, overlays, urls }: { store: Store; overlays: Overlays; urls: SignedUrls }): Promise<void> {
  /** Whether the request may read: a session, or a valid signature of this very path and query. */
  const admitted = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.viewer !== null) return true;
    const query = request.query as Query;
    if (query.signature === undefined) {
      refuse(reply, 401, 'UNAUTHENTICATED', 'Sign in first, or use the signed URL the API gives (Image.url)');
      return false;
    }
    const verdict = urls.verify(request.url.split('?')[0] ?? '', query);
    if (verdict === 'VALID') return true;
    refuse(reply, 403, 'FORBIDDEN', verdict === 'EXPIRED' ? 'This file URL has expired; ask the API for a new one' : 'This file URL is not valid');
    return false;
  };

  app.get<{ Params: { sha256: string }; Querystring: Query }>('/files/:sha256', async (request, reply) => {
    if (!admitted(request, reply)) return reply;
    const file = lookup(store, request.params.sha256);
    if (!file) return missing(reply);
    if (request.query.name) reply.header('content-disposition', disposition(request.query.name));
    return reply
      .type(file.mime)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(store.files.pathOf(file.sha256)));
  });

  app.get<{ Params: { sha256: string; size: string } }>('/files/:sha256/thumbnail/:size', async (request, reply) => {
    if (!admitted(request, reply)) return reply;
    const size = Number(request.params.size) as ThumbnailSize;
    if (!THUMBNAIL_SIZES.includes(size)) return refuse(reply, 400, 'BAD_USER_INPUT', `size must be one of ${THUMBNAIL_SIZES.join(', ')}`);
    const file = lookup(store, request.params.sha256);
    if (!file) return missing(reply);
    const thumb = await store.files.thumbnail(file.sha256, size);
    return reply.type('image/webp').header('cache-control', 'private, max-age=31536000, immutable').send(createReadStream(thumb));
  });

  app.get<{ Params: { faceId: string } }>('/faces/:faceId/crop', async (request, reply) => {
    if (!admitted(request, reply)) return reply;
    const [face] = store.figures.facesByIds([request.params.faceId]);
    const jpeg = face === undefined ? null : await faceCrop(store, face);
    if (jpeg === null) return missing(reply);
    // A face's box never changes, but the face may be deleted: cached for a while only.
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
  });

  app.get<{ Params: { artefactId: string; kind: string } }>('/artefacts/:artefactId/overlay/:kind', async (request, reply) => {
    if (!admitted(request, reply)) return reply;
    const kind = OVERLAY_KINDS.find((k) => k.toLowerCase() === request.params.kind);
    if (kind === undefined) return refuse(reply, 400, 'BAD_USER_INPUT', `kind must be one of ${OVERLAY_KINDS.map((k) => k.toLowerCase()).join(', ')}`);
    const jpeg = await overlays.render(request.params.artefactId, kind);
    if (jpeg === null) return missing(reply);
    // Drawn from data that people change (names, faces, readings): cached briefly.
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=60').send(jpeg);
  });
}
