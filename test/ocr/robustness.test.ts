import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { editDistance } from '../../src/ocr/cer.js';
import { simplifiedText } from '../../src/ocr/chinese-script.js';
import { readPage } from '../../src/ocr/engine.js';
import { loadOcrModels, packagedOcrModelPaths } from '../../src/ocr/models.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

const read = (bytes: Uint8Array) => readPage(bytes, collectingTracer().tracer);

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
};

describe('horizontal text in a photo', () => {
  it('reads the banner of the panel photo as rows, Simplified and Traditional', async () => {
    const page = await read(await readFile(path.join(samples, 'panel-photo.png')));
    expect(page.orientation).toBe('horizontal');
    expect(page.simplified).toContain('联合早报');
    expect(page.text).toContain('聯合早報');
    // PP-OCRv5 reads the tilted title with 政 twice (財政文預算案: its second half read as 文),
    // which PP-OCRv4 did not; at most that one error is allowed (docs/ocr.md).
    const title = page.lines.find((l) => l.text.includes('預算案'))!;
    expect(editDistance('財政預算案', title.text)).toBeLessThanOrEqual(1);
    expect(editDistance('财政预算案', simplifiedText(title.text))).toBeLessThanOrEqual(1);
    expect(title.kind).toBe('row');
    // 商业论坛 is set vertically beside the title: read as a column of its own.
    expect(page.lines.some((l) => l.kind === 'column' && l.text.includes('商業論壇'))).toBe(true);
  });
});

describe('pages that hold little or no text', () => {
  // Whole pages, read on a shared 2-core machine: room for load (speed is measured in bench/, never here).
  it('downscales an 8000 px page first and still reads it', async () => {
    const big = await sharp(path.join(samples, 'minutes-page.jpg')).resize({ width: 8000 }).jpeg().toBuffer();
    const { tracer, reports } = collectingTracer();
    const page = await readPage(big, tracer);
    expect(page.width).toBe(8000);
    expect(reports.find((r) => r.source === 'ocr.decode')?.data).toMatchObject({ width: 8000 });
    expect(page.lines.filter((l) => l.kind === 'column').length).toBeGreaterThanOrEqual(13);
    expect(page.text).toContain('新嘉坡中華商務總會');
    // Boxes are in the 8000 px frame.
    expect(Math.max(...page.lines.flatMap((l) => l.box.map((p) => p.x)))).toBeGreaterThan(6000);
  }, 90_000);

  it('looks again, closer, when the text is small against the page (a small page scanned with wide margins)', async () => {
    const small = await readFile(path.join(samples, 'minutes-page.jpg'));
    const scan = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#e9dfc6' } })
      .composite([{ input: small, left: 300, top: 400 }])
      .png()
      .toBuffer();
    const { tracer, reports } = collectingTracer();
    const page = await readPage(scan, tracer);
    expect(reports.filter((r) => r.source === 'ocr.detect')).toHaveLength(2);
    const columns = page.lines.filter((l) => l.kind === 'column');
    expect(columns.length).toBeGreaterThanOrEqual(13);
    expect(columns[0]!.text).toContain('新嘉坡中華商務總會');
    // Boxes are placed on the canvas, not on the crop that was looked at again.
    expect(Math.min(...columns[0]!.box.map((p) => p.x))).toBeGreaterThan(300 + 300);
  }, 90_000);

  it('says a 16×16 image is too small', async () => {
    const tiny = await sharp(path.join(samples, 'minutes-page.jpg')).resize(16, 16).png().toBuffer();
    const page = await read(tiny);
    expect(page.lines).toEqual([]);
    expect(page.reason).toBe('image-too-small');
  });

  it('says a blank page is blank', async () => {
    const blank = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#f4ecd8' } }).png().toBuffer();
    const page = await read(blank);
    expect(page.lines).toEqual([]);
    expect(page.reason).toBe('blank-page');
    expect(page.text).toBe('');
  });

  it('finds no text in a photo of people', async () => {
    const people = await sharp(path.join(samples, 'group-photo.png')).extract({ left: 0, top: 330, width: 658, height: 200 }).png().toBuffer();
    const page = await read(people);
    expect(page.reason).toBe('no-text-found');
    expect(page.lines).toEqual([]);
  });

  it('finds no text in noise', async () => {
    let seed = 7;
    const pixels = Buffer.alloc(300 * 200 * 3, 0).map(() => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed & 255;
    });
    const noise = await sharp(pixels, { raw: { width: 300, height: 200, channels: 3 } }).png().toBuffer();
    const page = await read(noise);
    expect(page.reason).toBe('no-text-found');
  });
});

describe('bad input', () => {
  it.each([
    ['random bytes', Buffer.from('this is not an image at all, just text')],
    ['an empty buffer', Buffer.alloc(0)],
  ])('rejects %s with INVALID_IMAGE', async (_name, bytes) => {
    const error = await rejection(read(bytes));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_IMAGE');
  });

  it('rejects a truncated JPEG with INVALID_IMAGE', async () => {
    const jpeg = await readFile(path.join(samples, 'minutes-page.jpg'));
    const error = await rejection(read(jpeg.subarray(0, Math.floor(jpeg.length / 2))));
    expect((error as AppError).code).toBe('INVALID_IMAGE');
  });

  it('names a missing model', async () => {
    const paths = { ...packagedOcrModelPaths(), recognition: '/nowhere/rec.onnx' };
    const error = await rejection(loadOcrModels(paths));
    expect((error as AppError).code).toBe('MODEL_MISSING');
    expect((error as AppError).message).toContain('ppocr-v5-rec');
  });
});
