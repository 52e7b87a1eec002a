import { create } from 'xmlbuilder2';
import type { OcrChar, OcrLine, Quad } from '../ocr/types.js';
import type { ArtefactRecord } from '../services/exports.js';
import { boundsOf, pageSize, probability, storedLayout, textLines } from './stored-layout.js';

const NS = 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15';
const SCHEMA = `${NS} ${NS}/pagecontent.xsd`;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

// PAGE's region types for our line kinds: body columns, headings written across, notes in the margin.
const REGION_TYPE = { column: 'paragraph', row: 'heading', note: 'marginalia' } as const;

type Size = { width: number; height: number };

/** PAGE's points: whole, non-negative pixels, "x,y" pairs separated by spaces. */
const points = (quad: Quad, page: Size): string =>
  quad.map((p) => `${Math.min(page.width, Math.max(0, Math.round(p.x)))},${Math.min(page.height, Math.max(0, Math.round(p.y)))}`).join(' ');

const rectPoints = (quad: Quad, page: Size): string => {
  const r = boundsOf(quad, page);
  return `${r.x},${r.y} ${r.x + r.w},${r.y} ${r.x + r.w},${r.y + r.h} ${r.x},${r.y + r.h}`;
};

/**
 * A minutes page's stored OCR layout as PAGE XML 2019: one text region per line (a column, a heading
 * or a note), listed in reading order (columns top to bottom, right to left), each line one word of
 * glyphs with their boxes; every glyph's reading and then its alternatives as TextEquivs with
 * confidences; the page's seals as graphic regions of type stamp.
 */
export function pageXml(record: ArtefactRecord, now: Date = new Date()): string {
  const layout = storedLayout(record);
  const page = pageSize(record);
  const lines = textLines(layout);
  const vertical = layout.orientation === 'vertical';
  const stamp = now.toISOString();

  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS, 'PcGts', { 'xmlns:xsi': XSI, 'xsi:schemaLocation': SCHEMA, pcGtsId: `archaive-${record.artefact.id}` });
  const metadata = doc.ele('Metadata');
  metadata.ele('Creator').txt('ArchAIve');
  metadata.ele('Created').txt(record.artefact.createdAt);
  metadata.ele('LastChange').txt(record.artefact.updatedAt > stamp ? stamp : record.artefact.updatedAt);
  metadata.ele('Comments').txt(`OCR layout of "${record.artefact.name}"; each glyph's first TextEquiv is the reading, the others its alternatives.`);

  const pageEl = doc.ele('Page', {
    imageFilename: record.artefact.originalFilename ?? `${record.artefact.fileSha256}`,
    imageWidth: page.width,
    imageHeight: page.height,
    primaryLanguage: 'Chinese',
    primaryScript: 'Hant - Han (Traditional variant)',
    readingDirection: vertical ? 'top-to-bottom' : 'left-to-right',
    textLineOrder: vertical ? 'right-to-left' : 'top-to-bottom',
  });
  const regionId = (i: number) => `r${i + 1}`;
  if (lines.length > 0) {
    const group = pageEl.ele('ReadingOrder').ele('OrderedGroup', { id: 'reading-order', caption: 'Reading order' });
    lines.forEach((_, i) => group.ele('RegionRefIndexed', { index: i + 1, regionRef: regionId(i) }));
  }
  lines.forEach((line, i) => textRegion(pageEl, line, regionId(i), page));
  // Seals are provenance, not text: PAGE's graphic regions of type stamp, outside the reading order.
  (layout.seals ?? []).forEach((seal, i) => pageEl.ele('GraphicRegion', { id: `s${i + 1}`, type: 'stamp' }).ele('Coords', { points: points(seal.box, page) }));
  return doc.end({ prettyPrint: true });
}

function textRegion(parent: ReturnType<typeof create>, line: OcrLine, id: string, page: Size): void {
  const down = line.kind !== 'row';
  const region = parent.ele('TextRegion', {
    id,
    type: REGION_TYPE[line.kind],
    readingDirection: down ? 'top-to-bottom' : 'left-to-right',
    textLineOrder: down ? 'right-to-left' : 'top-to-bottom',
    primaryScript: 'Hant - Han (Traditional variant)',
  });
  region.ele('Coords', { points: rectPoints(line.box, page) });
  const lineEl = region.ele('TextLine', { id: `${id}l1`, index: 1, readingDirection: down ? 'top-to-bottom' : 'left-to-right' });
  lineEl.ele('Coords', { points: points(line.box, page) });
  // Chinese has no spaces between words: the line is one word of glyphs.
  const word = lineEl.ele('Word', { id: `${id}w1` });
  word.ele('Coords', { points: points(line.box, page) });
  line.chars.forEach((c, g) => glyph(word, c, `${id}g${g + 1}`, page));
  word.ele('TextEquiv', { conf: probability(line.confidence) }).ele('Unicode').txt(line.text);
  lineEl.ele('TextEquiv', { conf: probability(line.confidence) }).ele('Unicode').txt(line.text);
  region.ele('TextEquiv').ele('Unicode').txt(line.text);
}

function glyph(parent: ReturnType<typeof create>, c: OcrChar, id: string, page: Size): void {
  const el = parent.ele('Glyph', { id });
  el.ele('Coords', { points: points(c.box, page), conf: probability(c.confidence) });
  const readings = [{ char: c.char, score: c.confidence }, ...c.candidates.filter((k) => k.char !== c.char).map((k) => ({ char: k.char, score: k.score }))];
  readings.forEach((r, i) => el.ele('TextEquiv', { index: i + 1, conf: probability(r.score) }).ele('Unicode').txt(r.char));
}
