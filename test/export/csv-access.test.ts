import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { loadConfig } from '../../src/config.js';
import { CSV_COLUMNS } from '../../src/export/csv.js';
import { seedExportCatalogue, type ExportCatalogue } from '../support/export-catalogue.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') rows.push([...row, field]), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('CSV catalogue', () => {
  let s: TestServer;
  let token: string;
  let c: ExportCatalogue;
  const csv = (query = '', bearer: string | null = token) =>
    fetch(`${s.url}/export/catalogue.csv${query}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  const rows = async (query = '') => {
    const res = await csv(query);
    expect(res.status, query).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)], 'UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...body] = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(header).toEqual(CSV_COLUMNS);
    return body.map((r) => Object.fromEntries(CSV_COLUMNS.map((k, i) => [k, r[i]])));
  };

  beforeAll(async () => {
    s = await startServer({ PUBLIC_URL: 'http://archive.test' });
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    c = await seedExportCatalogue(s.core.store);
    await seedCatalogue(s.core.store, { artefacts: 250, categories: 2, books: 2, figures: 2 });
  }, 60_000);
  afterAll(() => s?.close());

  it('streams one row per artefact with its current fields, as UTF-8 with a BOM', async () => {
    const res = await csv();
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="catalogue.csv"');
    // Streamed: no length known in advance.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    await res.arrayBuffer();
    const all = await rows();
    expect(all).toHaveLength(s.core.store.artefacts.count({}));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const minutes = all.find((r) => r.id === c.global.minutes);
    expect(minutes).toMatchObject({
      name: '議事簿 第一頁',
      kind: 'MM',
      mime: 'image/jpeg',
      width: '428',
      height: '391',
      translation: 'Minute book of the Singapore Chinese Chamber of Commerce',
      entities: 'Singapore',
      books: '議事簿 1906 (page 2)',
      iiifManifestUrl: `http://archive.test/iiif/3/artefacts/${c.global.minutes}/manifest`,
    });
    // A multi-line field survives quoting whole.
    expect(minutes?.transcription?.split('\n')[0]).toBe('新嘉坡中華商務總會議事簿');
    expect(all.find((r) => r.id === c.global.photo)).toMatchObject({ categories: 'Forums', people: c.figureName, caption: 'Speakers on the panel', transcription: '' });
  });

  it('defuses cells a spreadsheet would run as formulas', async () => {
    const name = '=HYPERLINK("http://evil.example","open")';
    const r = await s.gql('mutation($id: ID!, $input: ArtefactEditInput!) { updateArtefact(artefactId: $id, input: $input) { id } }', {
      id: c.global.cover,
      input: { name, fields: [{ name: 'SUMMARY', value: '@SUM(1+1)' }, { name: 'DESCRIPTION', value: '-2 columns, 3 rows' }] },
    }, token);
    expect(r.body.errors).toBeUndefined();
    const cover = (await rows(`?bookId=${c.global.book}`)).find((x) => x.id === c.global.cover);
    expect(cover).toMatchObject({ name: `'${name}`, summary: "'@SUM(1+1)", description: "'-2 columns, 3 rows", transcription: '封面' });
  });

  it('filters as artefacts(filter:) does', async () => {
    expect((await rows('?kind=MM')).every((r) => r.kind === 'MM')).toBe(true);
    expect(await rows('?kind=MM')).toHaveLength(s.core.store.artefacts.count({ kind: 'MM' }));
    expect((await rows(`?categoryId=${c.global.category}`)).map((r) => r.id)).toEqual([c.global.photo]);
    expect((await rows(`?bookId=${c.global.book}`)).map((r) => r.id).sort()).toEqual([c.global.cover, c.global.minutes].sort());
    // Search in either script, as in the catalogue.
    expect((await rows(`?search=${encodeURIComponent('商务总会')}`)).map((r) => r.id)).toContain(c.global.minutes);
    expect(await rows('?kind=MM&search=nothing-like-this')).toEqual([]);
    expect((await csv('?kind=PHOTO')).status).toBe(400);
    expect((await csv(`?categoryId=${c.global.book}`)).status).toBe(404);
  });

  it('needs a session, whatever PUBLIC_EXPORTS says; any role may export', async () => {
    const anonymous = await csv('', null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    const viewer = await s.userWithRole('VIEWER', 'csv-reader');
    expect((await csv('?kind=HF', viewer.token)).status).toBe(200);
  });
});

describe('PUBLIC_EXPORTS', () => {
  it('is validated with the configuration', () => {
    expect(() => loadConfig({ PUBLIC_EXPORTS: 'maybe' })).toThrow(/PUBLIC_EXPORTS: expected true or false \(got "maybe"\)/);
    expect(loadConfig({}).publicExports).toBe(false);
    expect(loadConfig({ PUBLIC_EXPORTS: 'true' }).publicExports).toBe(true);
  });

  for (const open of [true, false]) {
    describe(open ? 'on' : 'off', () => {
      let s: TestServer;
      let c: ExportCatalogue;
      const anonymous = (path: string) => fetch(`${s.url}${path}`);

      beforeAll(async () => {
        s = await startServer({ PUBLIC_EXPORTS: String(open) });
        c = await seedExportCatalogue(s.core.store);
      }, 60_000);
      afterAll(() => s?.close());

      it(open ? 'opens IIIF and OAI-PMH to everyone, for shared caches too, and nothing else' : 'keeps every export behind a session', async () => {
        const publicPaths = [
          `/iiif/3/image/${c.global.minutes}/info.json`,
          `/iiif/3/image/${c.global.minutes}/full/100,/0/default.jpg`,
          `/iiif/3/artefacts/${c.global.minutes}/manifest`,
          `/iiif/3/books/${c.global.book}/manifest`,
          `/iiif/3/categories/${c.global.category}/collection`,
          '/oai?verb=Identify',
        ];
        for (const path of publicPaths) {
          const res = await anonymous(path);
          expect(res.status, path).toBe(open ? 200 : 401);
          if (open) {
            expect(res.headers.get('cache-control'), path).toMatch(/^public, /);
            expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
          }
        }
        for (const path of [`/export/page/${c.global.minutes}.xml`, `/export/alto/${c.global.minutes}.xml`, '/export/catalogue.csv']) {
          expect((await anonymous(path)).status, path).toBe(401);
        }
        const token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
        const urls = await s.gql<{ exportUrls: { public: boolean } }>('{ exportUrls { public } }', {}, token);
        expect(urls.body.data?.exportUrls.public).toBe(open);
        // Behind a session, answers are private to the browser.
        const mine = await fetch(`${s.url}/export/catalogue.csv`, { headers: { authorization: `Bearer ${token}` } });
        expect(mine.headers.get('cache-control')).toBe('private, no-cache');
      });
    });
  }
});
