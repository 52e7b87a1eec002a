import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

interface StoredObject {
  data: Buffer;
  contentType: string;
  updated: string;
}

/**
 * A double of the Cloud Storage JSON API on loopback, for STORAGE_EMULATOR_HOST: only the calls the
 * mirror makes (metadata get, multipart upload, download, delete), with MD5 hashes so the client's
 * validation runs. It counts uploads per object, and can lose everything (a lost bucket).
 */
export class CloudStorage {
  readonly objects = new Map<string, StoredObject>();
  readonly uploads = new Map<string, number>();
  /** Requests still to refuse with 403 (which the client does not retry by itself). */
  refusals = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<CloudStorage> {
    let double: CloudStorage | undefined;
    const server = createServer((req, res) => void double?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    double = new CloudStorage(server, `http://127.0.0.1:${address.port}`);
    return double;
  }

  wipe(): void {
    this.objects.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (this.refusals > 0) {
      this.refusals -= 1;
      return json(res, 403, { error: { code: 403, message: 'The bucket refused the request (a test refusal)' } });
    }
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname.replace(/^\/storage\/v1/, '');
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const object = /^\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (req.method === 'POST' && upload !== null && url.searchParams.get('uploadType') === 'multipart') {
      const name = url.searchParams.get('name') ?? '';
      const [metadata, data] = multipartParts(body, req.headers['content-type'] ?? '');
      if (metadata === undefined || data === undefined) return json(res, 400, { error: { code: 400, message: 'expected two parts' } });
      const contentType = (JSON.parse(metadata.toString('utf8')) as { contentType?: string }).contentType ?? 'application/octet-stream';
      this.objects.set(name, { data, contentType, updated: new Date().toISOString() });
      this.uploads.set(name, (this.uploads.get(name) ?? 0) + 1);
      return json(res, 200, this.metadata(upload[1] as string, name));
    }
    if (object === null) return json(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
    const bucket = object[1] as string;
    const name = decodeURIComponent(object[2] as string);
    const stored = this.objects.get(name);
    if (stored === undefined) return json(res, 404, { error: { code: 404, message: 'No such object' } });
    if (req.method === 'DELETE') {
      this.objects.delete(name);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.searchParams.get('alt') === 'media') {
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.data.length, 'x-goog-hash': `md5=${md5(stored.data)}` });
      res.end(stored.data);
      return;
    }
    if (req.method === 'GET') return json(res, 200, this.metadata(bucket, name));
    return json(res, 405, { error: { code: 405, message: 'not in this double' } });
  }

  private metadata(bucket: string, name: string): Record<string, unknown> {
    const o = this.objects.get(name) as StoredObject;
    return { kind: 'storage#object', bucket, name, size: String(o.data.length), contentType: o.contentType, md5Hash: md5(o.data), updated: o.updated };
  }
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The contents of each part of a multipart/related body. */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (boundary === undefined) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headersEnd = part.indexOf('\r\n\r\n');
    // The content ends before the CRLF that precedes the next delimiter.
    parts.push(part.subarray(headersEnd + 4, part.length - 2));
    at = next;
  }
  return parts;
}
