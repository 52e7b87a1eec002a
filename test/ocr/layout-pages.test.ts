import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { editDistance } from '../../src/ocr/cer.js';
import { defaultOcrOptions, NOTE_MARK, readPage, type OcrOptions } from '../../src/ocr/engine.js';
import type { OcrPage, Quad } from '../../src/ocr/types.js';
import { collectingTracer, type TraceReport } from '../../src/tracing/tracer.js';

/** Synthetic pages built by scripts/build-layout-pages.ts (never the sample page), with their truth. */
const DIR = fileURLToPath(new URL('../fixtures/layout/', import.meta.url));

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Truth {
  columns: string[];
  notes: { after: number; text: string }[];
  seals: Box[];
}

const read = async (name: string, options: OcrOptions = defaultOcrOptions): Promise<{ page: OcrPage; truth: Truth; reports: TraceReport[] }> => {
  const traced = collectingTracer();
  const page = await readPage(await readFile(`${DIR}${name}.jpg`), traced.tracer, options);
  const truth = JSON.parse(await readFile(`${DIR}${name}.json`, 'utf8')) as Truth;
  return { page, truth, reports: traced.reports };
};

const cer = (page: OcrPage, truth: Truth): number => {
  const reference = truth.columns.join('');
  return editDistance(reference, page.lines.map((l) => l.text).join('')) / reference.length;
};

const iou = (q: Quad, b: Box): number => {
  const x0 = Math.min(...q.map((p) => p.x));
  const x1 = Math.max(...q.map((p) => p.x));
  const y0 = Math.min(...q.map((p) => p.y));
  const y1 = Math.max(...q.map((p) => p.y));
  const shared = Math.max(0, Math.min(x1, b.x + b.w) - Math.max(x0, b.x)) * Math.max(0, Math.min(y1, b.y + b.h) - Math.max(y0, b.y));
  return shared / ((x1 - x0) * (y1 - y0) + b.w * b.h - shared);
};

describe('red seals stamped over and between columns', () => {
  let page: OcrPage;
  let truth: Truth;
  beforeAll(async () => ({ page, truth } = await read('seals')));

  it('records every seal with its box', () => {
    expect(page.seals).toHaveLength(truth.seals.length);
    for (const box of truth.seals) expect(Math.max(...page.seals.map((s) => iou(s.box, box)))).toBeGreaterThan(0.6);
    for (const seal of page.seals) expect(seal.inkShare).toBeGreaterThan(0);
  });

  it('keeps the seals out of the text and reads all six columns whole', () => {
    expect(page.lines.map((l) => l.kind)).toEqual(Array(6).fill('column'));
    expect(page.notes).toEqual([]);
    // The seals' own characters; 會 and 記 also occur in the columns.
    for (const ch of '珍藏印審') expect(page.text).not.toContain(ch);
    expect(cer(page, truth)).toBeLessThan(0.2);
  });
});

describe('columns in pale, broken ink that the detector misses', () => {
  it('finds them in the ink outside every line, reads them in their place, and traces the unread ink', async () => {
    const { page, truth, reports } = await read('faint');
    expect(page.lines).toHaveLength(truth.columns.length);
    const centres = page.lines.map((l) => l.box.reduce((s, p) => s + p.x, 0) / 4);
    for (let i = 1; i < centres.length; i++) expect(centres[i]!).toBeLessThan(centres[i - 1]!);
    const ink = reports.find((r) => r.source === 'ocr.ink');
    expect(ink?.data).toMatchObject({ linesFound: 2 });
    expect(ink?.data?.['unreadBefore']).toBeGreaterThan(0.05);
    expect(page.unreadInk).toBeLessThan(0.01);
    expect(cer(page, truth)).toBeLessThan(0.32);
  });

  it('reads them worse without the ink check, which is what the check is for', async () => {
    const { page } = await read('faint', { ...defaultOcrOptions, ink: null });
    expect(page.lines.length).toBeLessThan(6);
    expect(page.unreadInk).toBeNull();
  });
});

describe('a correction beside a column and a small dated note', () => {
  let page: OcrPage;
  let truth: Truth;
  beforeAll(async () => ({ page, truth } = await read('notes')));

  it('keeps the notes apart from the main columns, each after the column it follows', () => {
    expect(page.lines).toHaveLength(truth.columns.length);
    expect(page.notes.map((n) => n.after)).toEqual(truth.notes.map((n) => n.after));
    for (const [i, note] of page.notes.entries()) {
      expect(note.kind).toBe('note');
      expect(editDistance(truth.notes[i]!.text, note.text)).toBeLessThanOrEqual(1);
    }
    expect(cer(page, truth)).toBeLessThan(0.1);
  });

  it('marks the notes in the text, after the main lines', () => {
    expect(page.text.split('\n')).toEqual([...page.lines.map((l) => l.text), ...page.notes.map((n) => `${NOTE_MARK}${n.text}`)]);
  });
});
