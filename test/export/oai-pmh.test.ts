import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalogue } from '../../src/store/demo-seed.js';
import { seedExportCatalogue, type ExportCatalogue } from '../support/export-catalogue.js';
import { xmllint } from '../support/schemas.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const PUBLIC_URL = 'http://archive.test';
const all = (xml: string, pattern: RegExp): string[] => [...xml.matchAll(pattern)].map((m) => m[1] as string);
const errorCode = (xml: string) => /<error code="(\w+)"/.exec(xml)?.[1];

describe('OAI-PMH 2.0', () => {
  let s: TestServer;
  let token: string;
  let c: ExportCatalogue;
  let total: number;
  const identifier = (gid: string) => `oai:archive.test:${gid}`;

  /** One request; every answer must validate against the official OAI-PMH and oai_dc schemas. */
  const oai = async (query: string, init: RequestInit = {}) => {
    const res = await fetch(`${s.url}/oai${init.method === 'POST' ? '' : `?${query}`}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
    });
    expect(res.status, query).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const xml = await res.text();
    expect(xmllint(xml, 'oai-pmh-oai_dc.xsd'), query).toEqual({ valid: true, errors: '' });
    return xml;
  };

  /** Follows resumption tokens to the end; the identifiers harvested, page by page. */
  const harvest = async (verb: string, args: string) => {
    const pages: string[][] = [];
    const texts: string[] = [];
    let xml = await oai(`verb=${verb}&${args}`);
    for (;;) {
      pages.push(all(xml, /<header(?: status="deleted")?>\s*<identifier>([^<]+)<\/identifier>/g));
      texts.push(xml);
      const token = /<resumptionToken[^>]*>([^<]*)<\/resumptionToken>/.exec(xml)?.[1];
      if (!token) return { pages, last: xml, xml: texts.join('\n') };
      xml = await oai(`verb=${verb}&resumptionToken=${encodeURIComponent(token)}`);
    }
  };

  beforeAll(async () => {
    s = await startServer({ PUBLIC_URL });
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    c = await seedExportCatalogue(s.core.store);
    await seedCatalogue(s.core.store, { artefacts: 120, categories: 2, books: 2, figures: 0 });
    total = s.core.store.artefacts.count({});
  }, 60_000);
  afterAll(() => s?.close());

  it('identifies the repository', async () => {
    const xml = await oai('verb=Identify');
    expect(xml).toContain(`<request verb="Identify">${PUBLIC_URL}/oai</request>`);
    expect(xml).toContain(`<baseURL>${PUBLIC_URL}/oai</baseURL>`);
    expect(xml).toContain('<protocolVersion>2.0</protocolVersion>');
    expect(xml).toContain(`<adminEmail>${SUPERUSER.email}</adminEmail>`);
    expect(xml).toContain('<deletedRecord>persistent</deletedRecord>');
    expect(xml).toContain('<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>');
    expect(xml).toMatch(/<earliestDatestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/earliestDatestamp>/);
  });

  it('offers oai_dc, and lists categories and books as sets', async () => {
    const formats = await oai('verb=ListMetadataFormats');
    expect(all(formats, /<metadataPrefix>([^<]+)</g)).toEqual(['oai_dc']);
    expect(await oai(`verb=ListMetadataFormats&identifier=${identifier(c.global.minutes)}`)).toContain('<metadataPrefix>oai_dc</metadataPrefix>');
    const sets = await oai('verb=ListSets');
    const specs = all(sets, /<setSpec>([^<]+)</g);
    expect(specs).toContain('category');
    expect(specs).toContain('book');
    expect(specs).toContain(`category:${c.global.category}`);
    expect(specs).toContain(`book:${c.global.book}`);
    expect(sets).toContain(`<setSpec>book:${c.global.book}</setSpec>\n      <setName>議事簿 1906</setName>`);
  });

  it('harvests every artefact once, a page of 100 at a time, with resumption tokens', async () => {
    const { pages, last } = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc');
    expect(pages.map((p) => p.length)).toEqual([100, total - 100]);
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(total);
    expect(ids).toContain(identifier(c.global.minutes));
    expect(last).toMatch(new RegExp(`<resumptionToken completeListSize="${total}" cursor="100"/>`));
    const records = await harvest('ListRecords', 'metadataPrefix=oai_dc');
    expect(records.pages.flat()).toEqual(ids);
  });

  it('maps an artefact to oai_dc: title, descriptions, subjects, date, type, format, identifier, language, relations', async () => {
    const xml = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier(c.global.minutes)}`);
    const dc = (name: string) => all(xml, new RegExp(`<dc:${name}(?: xml:lang="[^"]+")?>([^<]*)</dc:${name}>`, 'g'));
    expect(dc('title')).toEqual(['議事簿 第一頁']);
    expect(dc('description')).toContain('The founding of the Chamber, its rules and its first members.');
    expect(xml).toContain('<dc:description xml:lang="zh-Hant">新嘉坡中華商務總會議事簿');
    expect(dc('subject')).toEqual(['Singapore']);
    expect(dc('date')[0]).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(dc('type')).toEqual(['Text']);
    expect(dc('format')).toEqual(['image/jpeg']);
    expect(dc('identifier')).toEqual([`${PUBLIC_URL}/iiif/3/artefacts/${c.global.minutes}/manifest`]);
    expect(dc('language')).toEqual(['zh-Hant', 'en']);
    expect(dc('relation')).toEqual([`${PUBLIC_URL}/iiif/3/books/${c.global.book}/manifest`]);
    expect(all(xml, /<setSpec>([^<]+)</g)).toEqual([`book:${c.global.book}`]);

    const photo = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier(c.global.photo)}`);
    expect(all(photo, /<dc:subject>([^<]*)</g)).toEqual(['Forums', c.figureName]);
    expect(all(photo, /<dc:type>([^<]*)</g)).toEqual(['StillImage']);
  });

  it('harvests selectively by set and by from/until', async () => {
    const forums = await harvest('ListIdentifiers', `metadataPrefix=oai_dc&set=category:${c.global.category}`);
    expect(forums.pages.flat()).toEqual([identifier(c.global.photo)]);
    const book = await harvest('ListIdentifiers', `metadataPrefix=oai_dc&set=book:${c.global.book}`);
    expect(book.pages.flat().sort()).toEqual([identifier(c.global.cover), identifier(c.global.minutes)].sort());
    const inBooks = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc&set=book');
    const members = s.core.store.db.query<{ n: number }>('SELECT COUNT(DISTINCT artefact_id) AS n FROM book_members').get()?.n;
    expect(inBooks.pages.flat()).toHaveLength(members as number);
    expect(inBooks.pages.flat()).toContain(identifier(c.global.minutes));

    // An artefact last changed on a known day.
    s.core.store.db.query('UPDATE artefacts SET updated_at = ? WHERE id = ?').run('2020-03-04T05:06:07.890Z', c.cover);
    const day = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc&from=2020-03-04&until=2020-03-04');
    expect(day.pages.flat()).toEqual([identifier(c.global.cover)]);
    expect(day.last).toContain('<datestamp>2020-03-04T05:06:07Z</datestamp>');
    const second = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc&from=2020-03-04T05:06:07Z&until=2020-03-04T05:06:07Z');
    expect(second.pages.flat()).toEqual([identifier(c.global.cover)]);
    expect(errorCode(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2020-03-04T05:06:08Z&until=2020-03-04T23:00:00Z'))).toBe('noRecordsMatch');
    const since = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc&from=2021-01-01');
    expect(since.pages.flat()).not.toContain(identifier(c.global.cover));
    expect(since.pages.flat()).toHaveLength(total - 1);
  });

  it('keeps deleted artefacts as deleted records', async () => {
    const victim = s.core.store.artefacts.page({ first: 1 }, { kind: 'HF', search: 'Demo' }).page.items[0];
    if (victim === undefined) throw new Error('no demo photo');
    const gid = Buffer.from(`Artefact:${victim.id}`).toString('base64url');
    const deleted = await s.gql('mutation($id: ID!) { deleteArtefact(artefactId: $id) }', { id: gid }, token);
    expect(deleted.body.errors).toBeUndefined();
    const record = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier(gid)}`);
    expect(record).toMatch(new RegExp(`<header status="deleted">\\s*<identifier>${identifier(gid)}</identifier>\\s*<datestamp>`));
    expect(record).not.toContain('<metadata>');
    const today = new Date().toISOString().slice(0, 10);
    const list = await harvest('ListRecords', `metadataPrefix=oai_dc&from=${today}`);
    expect(list.xml).toMatch(new RegExp(`<record>\\s*<header status="deleted">\\s*<identifier>${identifier(gid)}</identifier>`));
    const { pages } = await harvest('ListIdentifiers', 'metadataPrefix=oai_dc');
    expect(pages.flat()).toHaveLength(total);
  });

  it("answers the protocol's errors, with the bare base URL after badVerb and badArgument", async () => {
    const cases: [string, string][] = [
      ['', 'badVerb'],
      ['verb=Harvest', 'badVerb'],
      ['verb=GetRecord&metadataPrefix=oai_dc', 'badArgument'],
      ['verb=ListRecords', 'badArgument'],
      ['verb=Identify&colour=blue', 'badArgument'],
      ['verb=Identify&verb=Identify', 'badArgument'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&resumptionToken=x', 'badArgument'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&from=2020-01-01&until=2020-01-02T00:00:00Z', 'badArgument'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&from=yesterday', 'badArgument'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&from=2021-01-02&until=2021-01-01', 'badArgument'],
      ['verb=ListIdentifiers&resumptionToken=bm90LWEtdG9rZW4', 'badResumptionToken'],
      ['verb=ListSets&resumptionToken=abc', 'badResumptionToken'],
      ['verb=ListRecords&metadataPrefix=marc21', 'cannotDisseminateFormat'],
      [`verb=GetRecord&metadataPrefix=marc21&identifier=${identifier('x')}`, 'cannotDisseminateFormat'],
      ['verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere.org:1', 'idDoesNotExist'],
      [`verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier(Buffer.from('Artefact:nope').toString('base64url'))}`, 'idDoesNotExist'],
      [`verb=ListMetadataFormats&identifier=${identifier(c.global.book)}`, 'idDoesNotExist'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&from=2099-01-01', 'noRecordsMatch'],
      ['verb=ListIdentifiers&metadataPrefix=oai_dc&set=shelf:1', 'noRecordsMatch'],
    ];
    for (const [query, code] of cases) {
      const xml = await oai(query);
      expect(errorCode(xml), query).toBe(code);
      if (code === 'badVerb' || code === 'badArgument') expect(xml, query).toContain(`<request>${PUBLIC_URL}/oai</request>`);
      else expect(xml, query).toMatch(/<request verb="/);
    }
  });

  it('takes POSTed forms like GET queries, and needs a session unless PUBLIC_EXPORTS is on', async () => {
    const posted = await oai('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'verb=ListMetadataFormats' });
    expect(posted).toContain('<metadataPrefix>oai_dc</metadataPrefix>');
    const anonymous = await fetch(`${s.url}/oai?verb=Identify`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
  });
});
