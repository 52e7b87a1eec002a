import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseGlobalId, type NodeType } from '../../resolvers/ids.js';
import type { ArtefactKind } from '../artefact-kind.js';
import { AppError, isAppError, notFound, type ErrorCode } from '../errors.js';
import { altoXml } from '../export/alto.js';
import { catalogueCsv } from '../export/csv.js';
import { IMAGE_FORMATS, ImageRequestError, imageInfo, parseImageRequest, renderImage, type ImageParams } from '../export/iiif-image.js';
import { artefactManifest, bookManifest, categoryCollection } from '../export/iiif-presentation.js';
import { oaiResponse } from '../export/oai-pmh.js';
import { pageXml } from '../export/page-xml.js';
import type { ExportFormat, ExportService } from '../services/exports.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PASSWORD_CHANGE_REQUIRED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
};
const IMAGE_CONTEXT = 'http://iiif.io/api/image/3/context.json';
const PRESENTATION_CONTEXT = 'http://iiif.io/api/presentation/3/context.json';
// Derivatives of an image never change (its bytes are content-addressed), manifests and records do.
const IMAGE_MAX_AGE = 86_400;

/** The local id behind an id in a URL; NOT_FOUND when it names nothing of that type. */
function idIn(globalId: string, type: NodeType): string {
  const parsed = parseGlobalId(globalId);
  if (parsed === null || parsed.type !== type) throw notFound(type, globalId);
  return parsed.id;
}

/** `<id>.xml` → the artefact's local id. */
const xmlFileId = (file: string): string => {
  if (!file.endsWith('.xml')) throw notFound('Export', file);
  return idIn(file.slice(0, -'.xml'.length), 'Artefact');
};

/**
 * The catalogue's exports over HTTP: IIIF Image and Presentation 3.0, PAGE XML and ALTO layouts,
 * OAI-PMH 2.0 and the CSV catalogue. Every read goes through the export service, which applies the
 * catalogue's access rules (and PUBLIC_EXPORTS); errors leave as JSON with a code and its HTTP status.
 */
export async function registerExports(app: FastifyInstance, exports: ExportService, options: { adminEmail: string }): Promise<void> {
  const { urls } = exports;

  await app.register(async (scope) => {
    // OAI-PMH harvesters may POST their arguments as a form.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, parseQuery(body as string)));

    scope.setErrorHandler((error, request, reply) => {
      const status = error instanceof ImageRequestError ? error.status : isAppError(error) ? STATUS[error.code] : undefined;
      if (status === undefined) {
        request.log.error({ err: error }, 'export failed');
        return reply.code(500).send({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL' } }] });
      }
      const { code, message } = error as AppError;
      return reply.code(status).header('cache-control', 'no-store').send({ errors: [{ message, extensions: { code } }] });
    });

    /** Headers every export answer gets: who may cache it, and, for public ones, any page may read it. */
    const headers = (reply: FastifyReply, format: ExportFormat, maxAge: number | null) => {
      const audience = exports.isPublic(format) ? 'public' : 'private';
      reply.header('cache-control', maxAge === null ? `${audience}, no-cache` : `${audience}, max-age=${maxAge}`);
      // IIIF's CORS: viewers on other sites read IIIF documents and images; the server's own CORS
      // (listed origins, with credentials) stays for the origins it answers.
      if ((format === 'IIIF' || exports.isPublic(format)) && !reply.hasHeader('access-control-allow-origin')) reply.header('access-control-allow-origin', '*');
      if (!exports.isPublic(format)) reply.header('vary', 'authorization, cookie');
    };

    /** JSON-LD when asked for (IIIF's media type with its profile), plain JSON otherwise. */
    const jsonLd = (request: FastifyRequest, reply: FastifyReply, context: string, body: unknown) => {
      const ld = (request.headers.accept ?? '').includes('application/ld+json');
      // Bytes, so that fastify sends IIIF's media type as it is (it would rewrite a string's, adding a charset).
      return reply.header('content-type', ld ? `application/ld+json;profile="${context}"` : 'application/json; charset=utf-8').send(Buffer.from(JSON.stringify(body)));
    };

    type Id = { Params: { id: string } };

    scope.get<Id>('/iiif/3/image/:id', async (request, reply) => reply.redirect(`${urls.imageService(idIn(request.params.id, 'Artefact'))}/info.json`, 303));

    scope.get<Id>('/iiif/3/image/:id/info.json', async (request, reply) => {
      const { artefact } = exports.image(request.viewer, idIn(request.params.id, 'Artefact'));
      headers(reply, 'IIIF', null);
      reply.header('link', `<${IMAGE_CONTEXT}>;rel="profile"`);
      return jsonLd(request, reply, IMAGE_CONTEXT, imageInfo(urls.imageService(artefact.id), { width: artefact.width ?? 0, height: artefact.height ?? 0 }));
    });

    scope.get<{ Params: ImageParams & { id: string } }>('/iiif/3/image/:id/:region/:size/:rotation/:file', async (request, reply) => {
      const { artefact, path: source } = exports.image(request.viewer, idIn(request.params.id, 'Artefact'));
      const image = parseImageRequest(request.params, { width: artefact.width ?? 0, height: artefact.height ?? 0 });
      const etag = `"${createHash('sha256').update(`${artefact.fileSha256}/${image.canonical}`).digest('base64url').slice(0, 27)}"`;
      headers(reply, 'IIIF', IMAGE_MAX_AGE);
      reply.header('etag', etag).header('link', `<${urls.imageService(artefact.id)}/${image.canonical}>;rel="canonical"`);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      const cached = await exports.rendition(artefact, image.canonical.replaceAll('/', '_'), () => renderImage(source, image));
      return reply.type(IMAGE_FORMATS[image.format]).send(createReadStream(cached));
    });

    scope.get<Id>('/iiif/3/artefacts/:id/manifest', async (request, reply) => {
      const record = exports.artefact(request.viewer, 'IIIF', idIn(request.params.id, 'Artefact'));
      headers(reply, 'IIIF', null);
      return jsonLd(request, reply, PRESENTATION_CONTEXT, artefactManifest(urls, record));
    });

    scope.get<Id>('/iiif/3/books/:id/manifest', async (request, reply) => {
      const { book, pages } = exports.book(request.viewer, 'IIIF', idIn(request.params.id, 'Book'));
      headers(reply, 'IIIF', null);
      return jsonLd(request, reply, PRESENTATION_CONTEXT, bookManifest(urls, book, pages));
    });

    scope.get<Id>('/iiif/3/categories/:id/collection', async (request, reply) => {
      const { category, members } = exports.category(request.viewer, 'IIIF', idIn(request.params.id, 'Category'));
      headers(reply, 'IIIF', null);
      return jsonLd(request, reply, PRESENTATION_CONTEXT, categoryCollection(urls, category, members));
    });

    for (const [route, render] of [
      ['/export/page/:id', pageXml],
      ['/export/alto/:id', altoXml],
    ] as const) {
      scope.get<Id>(route, async (request, reply) => {
        const record = exports.artefact(request.viewer, 'OCR_LAYOUT', xmlFileId(request.params.id));
        headers(reply, 'OCR_LAYOUT', null);
        return reply.type('application/xml; charset=utf-8').send(render(record));
      });
    }

    scope.get<{ Querystring: Record<string, string | undefined> }>('/export/catalogue.csv', async (request, reply) => {
      const q = request.query;
      if (q.kind !== undefined && q.kind !== 'MM' && q.kind !== 'HF') throw new AppError('BAD_USER_INPUT', 'kind must be MM or HF', { field: 'kind' });
      const optional = (name: 'batchId' | 'categoryId' | 'bookId' | 'figureId', type: NodeType) => (q[name] === undefined ? null : idIn(q[name], type));
      const pages = exports.catalogue(request.viewer, {
        kind: (q.kind as ArtefactKind | undefined) ?? null,
        batchId: optional('batchId', 'Batch'),
        categoryId: optional('categoryId', 'Category'),
        bookId: optional('bookId', 'Book'),
        figureId: optional('figureId', 'Figure'),
        search: q.search ?? null,
      });
      headers(reply, 'CSV', null);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="catalogue.csv"')
        .send(catalogueCsv(pages, urls));
    });

    const oai = async (request: FastifyRequest, reply: FastifyReply, args: unknown) => {
      const xml = oaiResponse((args ?? {}) as Record<string, string | string[] | undefined>, {
        exports,
        urls,
        viewer: request.viewer,
        adminEmail: options.adminEmail,
        now: new Date(),
      });
      headers(reply, 'OAI_PMH', null);
      return reply.type('text/xml; charset=utf-8').send(xml);
    };
    scope.get('/oai', (request, reply) => oai(request, reply, request.query));
    scope.post('/oai', (request, reply) => oai(request, reply, request.body));
  });
}
