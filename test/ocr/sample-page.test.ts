import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { editDistance, referenceLength } from '../../src/ocr/cer.js';
import { defaultOcrOptions, readPage } from '../../src/ocr/engine.js';
import type { OcrPage } from '../../src/ocr/types.js';
import { collectingTracer, type TraceReport } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';


/**
 * Measured on this page (docs/ocr.md): 0.394 with the defaults (PP-OCR and our classifier fused, read
 * in context with the character language model), 0.416 with PP-OCR alone and no language model; the
 * bound leaves room for small numeric differences.
 */
const CER_BOUND = 0.43;

const cer = (page: OcrPage, reference: string): number =>
  editDistance(
    reference,
    page.lines
      .filter((l) => l.kind !== 'note')
      .map((l) => l.text)
      .join(''),
  ) / referenceLength(reference);

describe('the minutes page (vertical handwriting)', () => {
  let bytes: Buffer;
  let reference: string[];
  let page: OcrPage;
  let reports: TraceReport[];

  beforeAll(async () => {
    bytes = await readFile(path.join(samples, 'minutes-page.jpg'));
    reference = (await readFile(path.join(samples, 'minutes-page.gt.txt'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const traced = collectingTracer();
    page = await readPage(bytes, traced.tracer);
    reports = traced.reports;
  });

  it('finds 14 columns read right to left, the title first', () => {
    expect(page.reason).toBeNull();
    expect(page.orientation).toBe('vertical');
    expect(page.rotation).toBe(0);
    const columns = page.lines.filter((l) => l.kind === 'column');
    expect(columns).toHaveLength(14);
    expect(columns[0]!.text).toContain('新嘉坡中華商務總會');
    const centres = columns.map((c) => c.box.reduce((s, p) => s + p.x, 0) / 4);
    for (let i = 1; i < centres.length; i++) expect(centres[i]!).toBeLessThan(centres[i - 1]!);
  });

  it('keeps the bracketed date note apart, after column 6, and marks it after the main text', () => {
    expect(page.lines.every((l) => l.kind !== 'note')).toBe(true);
    expect(page.notes).toHaveLength(1);
    expect(page.notes[0]!.after).toBe(6);
    const text = page.text.split('\n');
    expect(text.slice(0, 14)).toEqual(page.lines.map((l) => l.text));
    expect(text[14]).toBe(`〔註〕${page.notes[0]!.text}`);
  });

  it(`reads it at a character error rate below ${CER_BOUND}`, () => {
    expect(cer(page, reference.join(''))).toBeLessThan(CER_BOUND);
  });

  it('gives every character a box inside its line, top candidates and the model that read it', () => {
    for (const line of page.lines) {
      expect(line.text).toBe(line.chars.map((c) => c.char).join(''));
      const xs = line.box.map((p) => p.x);
      const ys = line.box.map((p) => p.y);
      for (const c of line.chars) {
        expect(['pp-ocrv5', 'ccr-big5-kai']).toContain(c.model);
        expect(c.candidates.length).toBeGreaterThan(0);
        expect(c.candidates.length).toBeLessThanOrEqual(5);
        expect(c.candidates[0]!.raw).toBe(c.raw);
        expect(c.candidates[0]!.models[0]).toBe(c.model);
        for (const k of c.candidates) expect(k.models.length).toBeGreaterThan(0);
        expect(c.candidates[0]!.score).toBeCloseTo(c.confidence, 6);
        // The chosen candidate comes first; the others follow by score. Only the language model may
        // choose one that its recognisers scored lower.
        const others = c.byContext ? c.candidates.slice(1) : c.candidates;
        for (let i = 1; i < others.length; i++) expect(others[i]!.score).toBeLessThanOrEqual(others[i - 1]!.score);
        if (!c.byContext) for (const k of c.candidates) expect(k.score).toBeLessThanOrEqual(c.confidence + 1e-9);
        const cx = c.box.reduce((s, p) => s + p.x, 0) / 4;
        const cy = c.box.reduce((s, p) => s + p.y, 0) / 4;
        expect(cx).toBeGreaterThan(Math.min(...xs) - 2);
        expect(cx).toBeLessThan(Math.max(...xs) + 2);
        expect(cy).toBeGreaterThan(Math.min(...ys) - 2);
        expect(cy).toBeLessThan(Math.max(...ys) + 2);
      }
      // Characters of a column go down the page.
      if (line.kind === 'column') {
        const cys = line.chars.map((c) => c.box.reduce((s, p) => s + p.y, 0) / 4);
        for (let i = 1; i < cys.length; i++) expect(cys[i]!).toBeGreaterThan(cys[i - 1]!);
      }
    }
  });

  it('reads the regular-script title column exactly', () => {
    expect(page.lines[0]!.text).toBe(reference[0]);
  });

  it('fuses our classifier into the columns: some characters are its reading', () => {
    const chars = page.lines.filter((l) => l.kind === 'column').flatMap((l) => l.chars);
    const ours = chars.filter((c) => c.model === 'ccr-big5-kai');
    expect(ours.length).toBeGreaterThan(0);
    for (const c of ours) expect(c.candidates[0]!.models[0]).toBe('ccr-big5-kai');
  });

  it('reads better in context: the language model decides some characters, and each reader does worse without it', async () => {
    expect(page.lines.flatMap((l) => l.chars).filter((c) => c.byContext).length).toBeGreaterThan(0);
    const withoutModel = await readPage(bytes, collectingTracer().tracer, { ...defaultOcrOptions, context: null });
    expect(withoutModel.lines.flatMap((l) => l.chars).every((c) => !c.byContext)).toBe(true);
    expect(cer(page, reference.join(''))).toBeLessThan(cer(withoutModel, reference.join('')));
    const ppOcr = await readPage(bytes, collectingTracer().tracer, { ...defaultOcrOptions, columnReader: 'ppocr' });
    const ppOcrAlone = await readPage(bytes, collectingTracer().tracer, { ...defaultOcrOptions, columnReader: 'ppocr', context: null });
    expect(cer(ppOcr, reference.join(''))).toBeLessThan(cer(ppOcrAlone, reference.join('')));
    expect(ppOcrAlone.lines.flatMap((l) => l.chars).every((c) => c.model === 'pp-ocrv5')).toBe(true);
  }, 90_000);

  it('writes Traditional text and gives the Simplified form of the whole', () => {
    expect(page.text.split('\n')[0]).toMatch(/^新嘉坡中華商務總會/);
    expect(page.simplified.split('\n')[0]).toMatch(/^新嘉坡中华商务总会/);
    expect(page.simplified.split('\n')).toHaveLength(page.lines.length + page.notes.length);
  });

  it('reports each step to the tracer with its numbers', () => {
    const sources = reports.map((r) => r.source);
    expect(sources).toEqual(expect.arrayContaining(['ocr.decode', 'ocr.detect', 'ocr.layout', 'ocr.orientation', 'ocr.recognise']));
    const layout = reports.find((r) => r.source === 'ocr.layout')!;
    expect(layout.data).toMatchObject({ orientation: 'vertical', notes: 1 });
    expect(reports.every((r) => r.durationMs === null || r.durationMs >= 0)).toBe(true);
  });

  it.each([90, 180, 270])('still reads the page rotated by %i°', async (angle) => {
    const rotated = await sharp(bytes).rotate(angle).png().toBuffer();
    const result = await readPage(rotated, collectingTracer().tracer);
    expect(result.lines.length).toBeGreaterThanOrEqual(14);
    expect(cer(result, reference.join(''))).toBeLessThan(CER_BOUND + 0.05);
    // 90° turns the columns into rows whose characters face the wrong way: read after turning the page over.
    if (angle !== 270) expect(result.rotation).toBe(180);
    // Boxes stay in the frame of the image given.
    const meta = await sharp(rotated).metadata();
    for (const line of result.lines) for (const p of line.box) expect(p.x).toBeLessThan(meta.width + 5);
  });
});
