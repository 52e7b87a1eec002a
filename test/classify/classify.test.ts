import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { classifyArtefact } from '../../src/pipelines/classify/classify.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

const sample = (name: string): Promise<Buffer> => readFile(path.join(samples, name));

describe('classifyArtefact on the real samples', () => {
  // panel-photo.png is not here: the network alone calls it a page (p 0.66); the artefact task
  // settles that with the face detector (test/classify/decision.test.ts, docs/classifier.md).
  it.each([
    ['minutes-page.jpg', 'MM'],
    ['group-photo.png', 'HF'],
  ] as const)('%s is %s', async (file, kind) => {
    const { tracer, reports } = collectingTracer();
    const result = await classifyArtefact(await sample(file), tracer);
    console.log(`${file}: ${result.kind} confidence=${result.confidence.toFixed(4)} scores=${JSON.stringify(result.scores)}`);
    expect(result.kind).toBe(kind);
    expect(result.confidence).toBe(result.scores[kind]);
    expect(result.confidence).toBeGreaterThan(0.8);
    expect(result.scores.MM + result.scores.HF).toBeCloseTo(1, 5);
    const final = reports.find((r) => r.source === 'classify');
    expect(final?.data).toMatchObject({ kind, confidence: result.confidence });
    expect(reports.map((r) => r.source)).toEqual(['classify.decode', 'classify.infer', 'classify']);
  });

  it.each(['group-photo.png'])('still calls a grayscale copy of %s hf', async (file) => {
    // Old event photos are black and white: colour alone must not decide.
    const gray = await sharp(await sample(file)).flatten({ background: '#ffffff' }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const result = await classifyArtefact(gray, collectingTracer().tracer);
    console.log(`${file} grayscale: ${result.kind} confidence=${result.confidence.toFixed(4)}`);
    expect(result.kind).toBe('HF');
  });
});

describe('classifyArtefact input handling', () => {
  it('reads a CMYK JPEG', async () => {
    const cmyk = await sharp(await sample('minutes-page.jpg')).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const result = await classifyArtefact(cmyk, collectingTracer().tracer);
    expect(result.kind).toBe('MM');
  });

  it('turns an EXIF-rotated scan upright before classifying', async () => {
    // Pixels stored rotated a quarter turn, with EXIF orientation 6 saying how to show them upright.
    const stored = await sharp(await sample('minutes-page.jpg')).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([391, 428, 6]);
    const { tracer, reports } = collectingTracer();
    const result = await classifyArtefact(stored, tracer);
    expect(reports.find((r) => r.source === 'classify.decode')?.data).toEqual({ width: 428, height: 391 });
    expect(result.kind).toBe('MM');
  });

  const expectInvalid = async (bytes: Buffer): Promise<void> => {
    const { tracer, reports } = collectingTracer();
    const error: unknown = await classifyArtefact(bytes, tracer).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('INVALID_IMAGE');
    expect(reports.find((r) => r.level === 'error')?.data).toEqual({ code: 'INVALID_IMAGE' });
  };

  it('rejects bytes that are no image with INVALID_IMAGE', () => expectInvalid(Buffer.from('definitely not an image, just some text')));

  it('rejects a truncated JPEG with INVALID_IMAGE', async () => expectInvalid((await sample('minutes-page.jpg')).subarray(0, 2000)));

  it('names the model when its file is missing', async () => {
    const error: unknown = await classifyArtefact(await sample('panel-photo.png'), collectingTracer().tracer, {
      modelFile: path.join(samples, 'no-such-model.onnx'),
    }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('MODEL_MISSING');
    expect(String((error as Error).message)).toContain('artefact-classifier');
  });
});
