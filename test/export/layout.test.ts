import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedExportCatalogue, SAMPLE_LAYOUT, type ExportCatalogue } from '../support/export-catalogue.js';
import { toGlobalId } from '../../resolvers/ids.js';
import { xmllint } from '../support/schemas.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** Every match of a pattern's first group, in document order. */
const all = (xml: string, pattern: RegExp): string[] => [...xml.matchAll(pattern)].map((m) => m[1] as string);

describe('OCR layout exports: PAGE XML 2019 and ALTO 4', () => {
  let s: TestServer;
  let token: string;
  let c: ExportCatalogue;
  const get = (path: string, bearer: string | null = token) => fetch(`${s.url}${path}`, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  const text = async (path: string) => {
    const res = await get(path);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    return res.text();
  };
  const characters = SAMPLE_LAYOUT.lines.flatMap((l) => l.chars) as { char: string; candidates: { char: string }[] }[];

  beforeAll(async () => {
    s = await startServer();
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    c = await seedExportCatalogue(s.core.store);
  }, 60_000);
  afterAll(() => s?.close());

  it('writes PAGE XML that validates against the official 2019 schema, lines in vertical reading order', async () => {
    const xml = await text(`/export/page/${c.global.minutes}.xml`);
    expect(xmllint(xml, 'pagecontent-2019-07-15.xsd')).toEqual({ valid: true, errors: '' });
    expect(xml).toContain('<Page imageFilename="minutes-page.jpg" imageWidth="428" imageHeight="391"');
    expect(xml).toContain('readingDirection="top-to-bottom" textLineOrder="right-to-left"');
    // The reading order names every line's region, in the stored order.
    const regions = all(xml, /<TextRegion id="(r\d+)"/g);
    expect(regions).toHaveLength(SAMPLE_LAYOUT.lines.length);
    expect(all(xml, /<RegionRefIndexed index="\d+" regionRef="(r\d+)"/g)).toEqual(regions);
    expect(all(xml, /<RegionRefIndexed index="(\d+)"/g)).toEqual(regions.map((_, i) => String(i + 1)));
    const lineTexts = all(xml, /<TextLine[^>]*>[\s\S]*?<\/Word>\s*<TextEquiv conf="[\d.]+">\s*<Unicode>([^<]*)<\/Unicode>/g);
    expect(lineTexts).toEqual(SAMPLE_LAYOUT.lines.map((l) => l.text));
    // One glyph per character, its reading first and the other candidates after it, each with a confidence.
    const glyphs = all(xml, /<Glyph id="[^"]+">([\s\S]*?)<\/Glyph>/g);
    expect(glyphs).toHaveLength(characters.length);
    glyphs.forEach((g, i) => {
      const readings = all(g, /<TextEquiv index="\d+" conf="[\d.]+">\s*<Unicode>([^<]*)<\/Unicode>/g);
      const want = characters[i] as (typeof characters)[number];
      expect(readings[0]).toBe(want.char);
      expect(readings.slice(1)).toEqual(want.candidates.map((k) => k.char).filter((k) => k !== want.char));
      expect(g).toMatch(/<Coords points="\d+,\d+ \d+,\d+ \d+,\d+ \d+,\d+" conf="[\d.]+"\/>/);
    });
  });

  it('writes ALTO that validates against the official 4.4 schema, with glyph boxes, confidences and variants', async () => {
    const xml = await text(`/export/alto/${c.global.minutes}.xml`);
    expect(xmllint(xml, 'alto-4-4.xsd')).toEqual({ valid: true, errors: '' });
    expect(xml).toContain('<MeasurementUnit>pixel</MeasurementUnit>');
    const blocks = all(xml, /<TextBlock ID="(block\d+)"/g);
    expect(blocks).toHaveLength(SAMPLE_LAYOUT.lines.length);
    expect(all(xml, /<ElementRef ID="[^"]+" REF="(block\d+)"/g)).toEqual(blocks);
    expect(all(xml, /<String [^>]*CONTENT="([^"]*)"/g)).toEqual(SAMPLE_LAYOUT.lines.map((l) => l.text));
    const glyphs = [...xml.matchAll(/<Glyph ID="[^"]+" CONTENT="([^"]*)" GC="([\d.]+)" HPOS="\d+" VPOS="\d+" WIDTH="\d+" HEIGHT="\d+"(?:\/>|>([\s\S]*?)<\/Glyph>)/g)];
    expect(glyphs.map((g) => g[1])).toEqual(characters.map((k) => k.char));
    glyphs.forEach((g, i) => {
      const want = characters[i] as (typeof characters)[number];
      expect(all(g[3] ?? '', /<Variant CONTENT="([^"]*)" VC="[\d.]+"\/>/g)).toEqual(want.candidates.map((k) => k.char).filter((k) => k !== want.char));
    });
    // The first column of the vertical page is its rightmost.
    const hpos = all(xml, /<TextBlock ID="block\d+" HPOS="(\d+)"/g).map(Number);
    expect(hpos[0]).toBeGreaterThan(hpos.at(-1) as number);
  });

  it('the schema checks catch a broken document (so a pass means something)', async () => {
    const page = await text(`/export/page/${c.global.minutes}.xml`);
    expect(xmllint(page.replace('<Coords points=', '<Coords dots='), 'pagecontent-2019-07-15.xsd').valid).toBe(false);
    const alto = await text(`/export/alto/${c.global.minutes}.xml`);
    expect(xmllint(alto.replace(/ GC="[\d.]+"/, ' GC="2"'), 'alto-4-4.xsd').valid).toBe(false);
  });

  it('exports the seals of a page as stamps, outside the reading order, and both documents still validate', async () => {
    const seal = { box: [{ x: 300, y: 40 }, { x: 360, y: 40 }, { x: 360, y: 100 }, { x: 300, y: 100 }], inkShare: 0.6 };
    const sealed = s.core.store.artefacts.create({ name: 'Sealed page', originalFilename: 'sealed.jpg', fileSha256: s.core.store.artefacts.byId(c.minutes)?.fileSha256 as string, kind: 'MM', kindSource: 'CLASSIFIER', createdBy: null });
    s.core.store.artefacts.writeFields(sealed.id, [
      { field: 'ocrLayout', value: JSON.stringify({ ...SAMPLE_LAYOUT, notes: [], seals: [seal] }), origin: 'MACHINE', step: 'ocr.read', model: 'test' },
    ]);
    const id = toGlobalId('Artefact', sealed.id);
    const page = await text(`/export/page/${id}.xml`);
    expect(xmllint(page, 'pagecontent-2019-07-15.xsd')).toEqual({ valid: true, errors: '' });
    expect(page).toMatch(/<GraphicRegion id="s1" type="stamp">\s*<Coords points="300,40 360,40 360,100 300,100"\/>/);
    expect(page).not.toMatch(/regionRef="s1"/);
    const alto = await text(`/export/alto/${id}.xml`);
    expect(xmllint(alto, 'alto-4-4.xsd')).toEqual({ valid: true, errors: '' });
    expect(alto).toContain('<Illustration ID="seal1" HPOS="300" VPOS="40" WIDTH="60" HEIGHT="60" TYPE="stamp"/>');
  });

  it('needs a session (even with PUBLIC_EXPORTS off or on), and says NOT_FOUND for artefacts without a layout', async () => {
    for (const format of ['page', 'alto']) {
      const anonymous = await get(`/export/${format}/${c.global.minutes}.xml`, null);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect((await get(`/export/${format}/${c.global.photo}.xml`)).status).toBe(404);
      expect((await get(`/export/${format}/${c.global.minutes}.json`)).status).toBe(404);
      expect((await get(`/export/${format}/${c.global.book}.xml`)).status).toBe(404);
    }
    const viewer = await s.userWithRole('VIEWER', 'reader');
    expect((await get(`/export/page/${c.global.minutes}.xml`, viewer.token)).status).toBe(200);
  });
});
