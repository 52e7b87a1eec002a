import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExportCatalogue, SAMPLE_LAYOUT, type ExportCatalogue } from '../support/export-catalogue.js';
import { iiifPresentation } from '../support/schemas.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const PUBLIC_URL = 'http://archive.test';

interface Annotation {
  motivation: string;
  body: { value?: string; id?: string; width?: number; height?: number; service?: { id: string }[] };
  target: string;
}
interface Canvas {
  id: string;
  width: number;
  height: number;
  items: { items: Annotation[] }[];
  annotations?: { id: string; items: Annotation[] }[];
}
interface Manifest {
  id: string;
  type: string;
  label: Record<string, string[]>;
  summary?: Record<string, string[]>;
  metadata: { label: Record<string, string[]>; value: Record<string, string[]> }[];
  items: Canvas[];
}

describe('IIIF Image and Presentation 3.0', () => {
  let s: TestServer;
  let token: string;
  let c: ExportCatalogue;
  const get = (url: string, headers: Record<string, string> = {}) =>
    fetch(url.replace(PUBLIC_URL, s.url), { headers: { authorization: `Bearer ${token}`, ...headers }, redirect: 'manual' });
  const json = async <T>(url: string): Promise<T> => {
    const res = await get(url);
    expect(res.status, url).toBe(200);
    return (await res.json()) as T;
  };
  const image = (gid: string, rest: string) => `${PUBLIC_URL}/iiif/3/image/${gid}/${rest}`;

  beforeAll(async () => {
    s = await startServer({ PUBLIC_URL, CORS_ORIGINS: 'https://app.example.org' });
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    c = await seedExportCatalogue(s.core.store);
  }, 60_000);
  afterAll(() => s?.close());

  describe('Image API', () => {
    it('describes the upright image in info.json (level 2, jpg/png/webp, tiles) and redirects the base URI to it', async () => {
      const res = await get(image(c.global.minutes, 'info.json'), { accept: 'application/ld+json' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/ld+json;profile="http://iiif.io/api/image/3/context.json"');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const info = (await res.json()) as Record<string, unknown>;
      expect(info).toMatchObject({
        '@context': 'http://iiif.io/api/image/3/context.json',
        id: `${PUBLIC_URL}/iiif/3/image/${c.global.minutes}`,
        type: 'ImageService3',
        protocol: 'http://iiif.io/api/image',
        profile: 'level2',
        width: 428,
        height: 391,
        extraFormats: ['webp'],
      });
      const plain = await get(image(c.global.minutes, 'info.json'));
      expect(plain.headers.get('content-type')).toMatch(/^application\/json/);

      const base = await get(`${PUBLIC_URL}/iiif/3/image/${c.global.minutes}`);
      expect(base.status).toBe(303);
      expect(base.headers.get('location')).toBe(`${PUBLIC_URL}/iiif/3/image/${c.global.minutes}/info.json`);
    });

    it('cuts regions, scales sizes, turns by 90° and mirrors, in the format asked for', async () => {
      const cases: [string, { width: number; height: number; format: string }][] = [
        ['full/max/0/default.jpg', { width: 428, height: 391, format: 'jpeg' }],
        ['10,20,100,50/max/0/default.png', { width: 100, height: 50, format: 'png' }],
        // 50% of 391 rows starts at row 196 (rounded), leaving 195.
        ['pct:50,50,50,50/max/0/default.webp', { width: 214, height: 195, format: 'webp' }],
        ['square/100,/0/default.jpg', { width: 100, height: 100, format: 'jpeg' }],
        ['full/214,/0/default.jpg', { width: 214, height: 196, format: 'jpeg' }],
        ['full/,100/0/default.jpg', { width: 109, height: 100, format: 'jpeg' }],
        ['full/pct:25/0/default.jpg', { width: 107, height: 98, format: 'jpeg' }],
        ['full/100,100/0/default.jpg', { width: 100, height: 100, format: 'jpeg' }],
        ['full/!100,100/0/default.jpg', { width: 100, height: 91, format: 'jpeg' }],
        ['full/^856,/0/default.jpg', { width: 856, height: 782, format: 'jpeg' }],
        ['10,20,100,50/max/90/default.png', { width: 50, height: 100, format: 'png' }],
        ['10,20,100,50/max/!270/gray.png', { width: 50, height: 100, format: 'png' }],
        // A region reaching past the edge is cut at the edge.
        ['400,380,100,100/max/0/default.png', { width: 28, height: 11, format: 'png' }],
      ];
      for (const [request, want] of cases) {
        const res = await get(image(c.global.minutes, request));
        expect(res.status, request).toBe(200);
        const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
        expect({ width: meta.width, height: meta.height, format: meta.format }, request).toEqual(want);
      }
    });

    it('renders what was asked: the region, its mirror image, its turn, grey and bitonal', async () => {
      const pixels = async (request: string) => {
        const res = await get(image(c.global.photo, request));
        expect(res.status, request).toBe(200);
        return sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
      };
      const plain = await pixels('0,0,64,48/64,48/0/default.png');
      const mirrored = await pixels('0,0,64,48/64,48/!0/default.png');
      const channels = plain.info.channels;
      const at = (p: typeof plain, x: number, y: number) => [...p.data.subarray((y * p.info.width + x) * channels, (y * p.info.width + x + 1) * channels)];
      expect(at(mirrored, 0, 10)).toEqual(at(plain, 63, 10));
      expect(at(mirrored, 63, 40)).toEqual(at(plain, 0, 40));
      const turned = await pixels('0,0,64,48/64,48/90/default.png');
      // Turned clockwise: the region's bottom-left corner comes to the top-left.
      expect(at(turned, 0, 0)).toEqual(at(plain, 0, 47));
      for (const quality of ['gray', 'bitonal']) {
        const res = await get(image(c.global.photo, `0,0,64,48/64,48/0/${quality}.png`));
        // One grey channel (and the photo's alpha).
        expect(await sharp(Buffer.from(await res.arrayBuffer())).metadata(), quality).toMatchObject({ space: 'b-w', channels: 2 });
      }
      const bitonal = await pixels('0,0,64,48/64,48/0/bitonal.png');
      const levels = new Set([...bitonal.data].filter((_, i) => i % channels !== channels - 1));
      expect([...levels].sort((a, b) => a - b)).toEqual([0, 255]);
    });

    it('answers 400 for requests that are wrong, 501 for valid ones it does not make, 404 for unknown images', async () => {
      const statuses: [string, number][] = [
        ['full/max/0/default.gif', 501],
        ['full/max/45/default.jpg', 501],
        ['full/max/0/default.bmp', 400],
        ['full/max/0/sepia.jpg', 400],
        ['full/max/400/default.jpg', 400],
        ['nowhere/max/0/default.jpg', 400],
        ['500,500,10,10/max/0/default.jpg', 400],
        ['0,0,0,10/max/0/default.jpg', 400],
        // Larger than the region without ^.
        ['full/500,/0/default.jpg', 400],
        ['full/!,100/0/default.jpg', 400],
        ['full/5000,/0/default.jpg', 400],
      ];
      for (const [request, status] of statuses) {
        const res = await get(image(c.global.minutes, request));
        expect(res.status, request).toBe(status);
        expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, request).toBe(status === 404 ? 'NOT_FOUND' : 'BAD_USER_INPUT');
      }
      expect((await get(image('bm90LWFuLWlk', 'info.json'))).status).toBe(404);
      expect((await get(image(c.global.book, 'full/max/0/default.jpg'))).status).toBe(404);
    });

    it('keeps each derivative on disk and lets caches revalidate it by its ETag', async () => {
      const url = image(c.global.minutes, '0,0,200,200/100,/0/default.webp');
      const first = await get(url);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('image/webp');
      expect(first.headers.get('cache-control')).toBe('private, max-age=86400');
      expect(first.headers.get('access-control-allow-origin')).toBe('*');
      expect(first.headers.get('link')).toBe(`<${PUBLIC_URL}/iiif/3/image/${c.global.minutes}/0,0,200,200/100,100/0/default.webp>;rel="canonical"`);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^".+"$/);
      const sha = s.core.store.artefacts.byId(c.minutes)?.fileSha256 as string;
      const dir = path.join(s.dataDir, 'iiif', sha.slice(0, 2), sha);
      expect(readdirSync(dir)).toContain('0,0,200,200_100,100_0_default.webp');
      // Served again from the cached file, byte for byte.
      const again = await get(url);
      expect(Buffer.from(await again.arrayBuffer())).toEqual(Buffer.from(await first.arrayBuffer()));
      const revalidated = await get(url, { 'if-none-match': etag as string });
      expect(revalidated.status).toBe(304);
      expect(existsSync(path.join(dir, '0,0,200,200_100,100_0_default.webp'))).toBe(true);
    });

    it('lets any page read IIIF (without credentials) and keeps the credentialed answer of a listed origin', async () => {
      const url = image(c.global.minutes, 'info.json');
      const elsewhere = await get(url, { origin: 'https://viewer.example.net' });
      expect(elsewhere.headers.get('access-control-allow-origin')).toBe('*');
      expect(elsewhere.headers.get('access-control-allow-credentials')).toBeNull();
      const listed = await get(url, { origin: 'https://app.example.org' });
      expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
      expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
      // Not IIIF: the server's own CORS only.
      const csv = await fetch(`${s.url}/export/catalogue.csv`, { headers: { authorization: `Bearer ${token}`, origin: 'https://viewer.example.net' } });
      expect(csv.headers.get('access-control-allow-origin')).toBeNull();
    });

    it("deletes an image's derivatives with the image once nothing refers to it", async () => {
      const store = s.core.store;
      const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toBuffer();
      const file = await store.files.putImage(png);
      const doomed = store.artefacts.create({ name: 'Doomed', originalFilename: null, fileSha256: file.sha256, kind: 'HF', createdBy: null });
      const gid = Buffer.from(`Artefact:${doomed.id}`).toString('base64url');
      expect((await get(image(gid, 'full/20,/0/default.png'))).status).toBe(200);
      const dir = path.join(s.dataDir, 'iiif', file.sha256.slice(0, 2), file.sha256);
      expect(readdirSync(dir)).toEqual(['full_20,15_0_default.png']);
      const deleted = await s.gql('mutation($id: ID!) { deleteArtefact(artefactId: $id) }', { id: gid }, token);
      expect(deleted.body.errors).toBeUndefined();
      expect((await get(image(gid, 'full/20,/0/default.png'))).status).toBe(404);
      store.files.collectUnreferenced(new Date(Date.now() + 60_000));
      expect(existsSync(dir)).toBe(false);
      // Other images keep theirs.
      const sha = store.artefacts.byId(c.minutes)?.fileSha256 as string;
      expect(existsSync(path.join(s.dataDir, 'iiif', sha.slice(0, 2), sha))).toBe(true);
    });
  });

  describe('Presentation API', () => {
    it('gives an artefact one canvas with its image service, fields as label, summary and metadata, and OCR lines as annotations', async () => {
      const m = await json<Manifest>(`${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/manifest`);
      expect(iiifPresentation(m)).toEqual({ valid: true, errors: '' });
      expect(m.id).toBe(`${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/manifest`);
      expect(m.label).toEqual({ none: ['議事簿 第一頁'] });
      expect(m.summary).toEqual({ en: ['The founding of the Chamber, its rules and its first members.'] });
      expect(m.metadata).toContainEqual({ label: { en: ['Translation'] }, value: { en: ['Minute book of the Singapore Chinese Chamber of Commerce'] } });
      expect(m.metadata).toContainEqual({ label: { en: ['Books'] }, value: { none: ['議事簿 1906, page 2'] } });
      expect(m.items).toHaveLength(1);
      const canvas = m.items[0] as Canvas;
      expect([canvas.width, canvas.height]).toEqual([428, 391]);
      const painting = canvas.items[0]?.items[0] as Annotation;
      expect(painting.motivation).toBe('painting');
      expect(painting.body.service?.[0]?.id).toBe(`${PUBLIC_URL}/iiif/3/image/${c.global.minutes}`);
      // The painted image is there to fetch, at the size the manifest says.
      const painted = await get(painting.body.id as string);
      expect(painted.status).toBe(200);
      expect(await sharp(Buffer.from(await painted.arrayBuffer())).metadata()).toMatchObject({ width: painting.body.width, height: painting.body.height });
      const ocr = canvas.annotations?.find((p) => p.id.endsWith('/annotations/ocr'));
      expect(ocr?.items.map((a) => a.body.value)).toEqual(SAMPLE_LAYOUT.lines.map((l) => l.text));
      for (const a of ocr?.items ?? []) {
        expect(a.motivation).toBe('supplementing');
        const [x, y, w, h] = (/#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(a.target) ?? []).slice(1).map(Number) as number[];
        expect(x! + w!).toBeLessThanOrEqual(428);
        expect(y! + h!).toBeLessThanOrEqual(391);
      }
      // The first column of a vertical page is the rightmost.
      const xOf = (a: Annotation) => Number(/#xywh=(\d+)/.exec(a.target)?.[1]);
      expect(xOf(ocr?.items[0] as Annotation)).toBeGreaterThan(xOf(ocr?.items.at(-1) as Annotation));
    });

    it('tags named faces with their figure names, not unnamed ones', async () => {
      const m = await json<Manifest>(`${PUBLIC_URL}/iiif/3/artefacts/${c.global.photo}/manifest`);
      expect(iiifPresentation(m)).toEqual({ valid: true, errors: '' });
      const faces = m.items[0]?.annotations?.find((p) => p.id.endsWith('/annotations/faces'));
      expect(faces?.items).toEqual([expect.objectContaining({ motivation: 'tagging', body: expect.objectContaining({ value: c.figureName }), target: expect.stringMatching(/#xywh=40,30,50,60$/) })]);
      expect(m.metadata).toContainEqual({ label: { en: ['People'] }, value: { none: [c.figureName] } });
    });

    it('gives a book its pages as canvases in book order, and a category its members as a collection', async () => {
      const book = await json<Manifest>(`${PUBLIC_URL}/iiif/3/books/${c.global.book}/manifest`);
      expect(iiifPresentation(book)).toEqual({ valid: true, errors: '' });
      expect(book.label).toEqual({ none: ['議事簿 1906'] });
      expect(book.items.map((x) => x.id)).toEqual([
        `${PUBLIC_URL}/iiif/3/artefacts/${c.global.cover}/canvas`,
        `${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/canvas`,
      ]);
      const collection = await json<{ type: string; items: { id: string; type: string }[] }>(`${PUBLIC_URL}/iiif/3/categories/${c.global.category}/collection`);
      expect(iiifPresentation(collection)).toEqual({ valid: true, errors: '' });
      expect(collection.items).toEqual([expect.objectContaining({ id: `${PUBLIC_URL}/iiif/3/artefacts/${c.global.photo}/manifest`, type: 'Manifest' })]);
    });

    it('the schema check catches a broken manifest (so a pass means something)', async () => {
      const m = await json<Manifest>(`${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/manifest`);
      expect(iiifPresentation({ ...m, label: 'not a language map' }).valid).toBe(false);
      expect(iiifPresentation({ ...m, items: [{ ...m.items[0], type: 'Page' }] }).valid).toBe(false);
    });

    it('puts the export URLs on the GraphQL types', async () => {
      const r = await s.gql<{ node: { iiifManifestUrl: string; iiifImageUrl: string; pageXmlUrl: string | null; altoUrl: string | null }; photo: { pageXmlUrl: string | null }; exportUrls: { oaiPmh: string; catalogueCsv: string; public: boolean } }>(
        `query($a: ID!, $p: ID!) {
          node(id: $a) { ... on Artefact { iiifManifestUrl iiifImageUrl pageXmlUrl altoUrl } }
          photo: node(id: $p) { ... on Artefact { pageXmlUrl } }
          exportUrls { oaiPmh catalogueCsv public }
        }`,
        { a: c.global.minutes, p: c.global.photo },
        token,
      );
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data?.node).toEqual({
        iiifManifestUrl: `${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/manifest`,
        iiifImageUrl: `${PUBLIC_URL}/iiif/3/image/${c.global.minutes}`,
        pageXmlUrl: `${PUBLIC_URL}/export/page/${c.global.minutes}.xml`,
        altoUrl: `${PUBLIC_URL}/export/alto/${c.global.minutes}.xml`,
      });
      expect(r.body.data?.photo.pageXmlUrl).toBeNull();
      expect(r.body.data?.exportUrls).toEqual({ oaiPmh: `${PUBLIC_URL}/oai`, catalogueCsv: `${PUBLIC_URL}/export/catalogue.csv`, public: false });
      const b = await s.gql<{ node: { iiifManifestUrl: string } }>('query($b: ID!) { node(id: $b) { ... on Book { iiifManifestUrl } } }', { b: c.global.book }, token);
      expect(b.body.data?.node.iiifManifestUrl).toBe(`${PUBLIC_URL}/iiif/3/books/${c.global.book}/manifest`);
      const k = await s.gql<{ node: { iiifCollectionUrl: string } }>('query($k: ID!) { node(id: $k) { ... on Category { iiifCollectionUrl } } }', { k: c.global.category }, token);
      expect(k.body.data?.node.iiifCollectionUrl).toBe(`${PUBLIC_URL}/iiif/3/categories/${c.global.category}/collection`);
    });
  });
});
