import { create } from 'xmlbuilder2';
import type { OcrLine, Quad } from '../ocr/types.js';
import type { ArtefactRecord } from '../services/exports.js';
import { boundsOf, pageSize, probability, storedLayout, textLines } from './stored-layout.js';

const NS = 'http://www.loc.gov/standards/alto/ns-v4#';
const SCHEMA = `${NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd`;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

type Size = { width: number; height: number };

/** ALTO's position attributes of a quad's bounding box, in pixels. */
function position(quad: Quad, page: Size) {
  const r = boundsOf(quad, page);
  return { HPOS: r.x, VPOS: r.y, WIDTH: r.w, HEIGHT: r.h };
}

/**
 * A minutes page's stored OCR layout as ALTO 4.4: one text block per line in reading order (also
 * stated in ReadingOrder: columns top to bottom, right to left), each line one string of glyphs with
 * their boxes and confidences, and the other candidates the OCR weighed as each glyph's variants.
 */
export function altoXml(record: ArtefactRecord, now: Date = new Date()): string {
  const layout = storedLayout(record);
  const page = pageSize(record);
  const lines = textLines(layout);
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS, 'alto', { 'xmlns:xsi': XSI, 'xsi:schemaLocation': SCHEMA, SCHEMAVERSION: '4.4' });

  const description = doc.ele('Description');
  description.ele('MeasurementUnit').txt('pixel');
  description.ele('sourceImageInformation').ele('fileName').txt(record.artefact.originalFilename ?? record.artefact.fileSha256);
  const step = description.ele('OCRProcessing', { ID: 'ocr' }).ele('ocrProcessingStep');
  step.ele('processingDateTime').txt(now.toISOString());
  step.ele('processingStepDescription').txt(`Stored OCR layout of "${record.artefact.name}" (${layout.orientation} text)`);
  step.ele('processingSoftware').ele('softwareName').txt('ArchAIve');

  const blockId = (i: number) => `block${i + 1}`;
  if (lines.length > 0) {
    const group = doc.ele('ReadingOrder').ele('OrderedGroup', { ID: 'reading-order' });
    lines.forEach((_, i) => group.ele('ElementRef', { ID: `ref${i + 1}`, REF: blockId(i) }));
  }
  const pageEl = doc.ele('Layout').ele('Page', { ID: 'page1', PHYSICAL_IMG_NR: 1, WIDTH: page.width, HEIGHT: page.height, PROCESSINGREFS: 'ocr', LANG: 'zh-Hant' });
  const space = pageEl.ele('PrintSpace', { HPOS: 0, VPOS: 0, WIDTH: page.width, HEIGHT: page.height });
  lines.forEach((line, i) => textBlock(space, line, blockId(i), page));
  // Seals are provenance, not text: illustrations of type stamp, outside the reading order.
  (layout.seals ?? []).forEach((seal, i) => space.ele('Illustration', { ID: `seal${i + 1}`, ...position(seal.box, page), TYPE: 'stamp' }));
  return doc.end({ prettyPrint: true });
}

function textBlock(parent: ReturnType<typeof create>, line: OcrLine, id: string, page: Size): void {
  const block = parent.ele('TextBlock', { ID: id, ...position(line.box, page), LANG: 'zh-Hant' });
  const lineEl = block.ele('TextLine', { ID: `${id}-line`, ...position(line.box, page) });
  // Chinese has no spaces between words: the line is one string of glyphs.
  const string = lineEl.ele('String', { ID: `${id}-string`, ...position(line.box, page), CONTENT: line.text, WC: probability(line.confidence) });
  line.chars.forEach((c, g) => {
    const glyph = string.ele('Glyph', { ID: `${id}-glyph${g + 1}`, CONTENT: c.char, GC: probability(c.confidence), ...position(c.box, page) });
    for (const k of c.candidates.filter((k) => k.char !== c.char)) glyph.ele('Variant', { CONTENT: k.char, VC: probability(k.score) });
  });
}
