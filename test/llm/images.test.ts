import path from 'node:path';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { imageToDataUrl } from '../../src/llm/image.js';
import { reply } from '../support/openai-double.js';
import { setUp } from './fixtures.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

const minutesPage = path.join(samples, 'minutes-page.jpg'); // 428×391 JPEG
const panelPhoto = path.join(samples, 'panel-photo.png'); // 658×530 RGBA PNG

const decode = (url: string) => {
  const match = /^data:([^;]+);base64,(.+)$/.exec(url);
  if (match === null) throw new Error(`not a base64 data URL: ${url.slice(0, 40)}`);
  return { mime: match[1], bytes: Buffer.from(match[2] ?? '', 'base64') };
};

describe('images sent to vision models', () => {
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeEach(async () => {
    ctx = await setUp({ imageMaxSide: 256 });
  });
  afterEach(() => ctx.double.close());

  it('downscales the page to the configured longest side and sends it as an image/jpeg data URL', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.text('總商會'));
    const conversation = await llm.conversation().userWithImages('Correct this transcription: 總商曾', [minutesPage]);

    const outcome = await llm.complete('ocr_correction', conversation, { tracer });

    expect(outcome.status === 'answered' && outcome.value).toBe('總商會');
    const content = double.requests[0]?.body.messages[0]?.content as ChatCompletionContentPart[];
    expect(content[0]).toEqual({ type: 'text', text: 'Correct this transcription: 總商曾' });
    expect(content[1]?.type).toBe('image_url');
    const url = content[1]?.type === 'image_url' ? content[1].image_url.url : '';
    const { mime, bytes } = decode(url);
    expect(mime).toBe('image/jpeg');
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width, meta.height)).toBe(256);
    expect(meta.width).toBe(256); // landscape page: 428×391 → 256×234
    expect(meta.height).toBe(234);
  });
});

describe('imageToDataUrl', () => {
  it('keeps PNG as image/png when downscaling', async () => {
    const { mime, bytes } = decode(await imageToDataUrl(await readFile(panelPhoto), 300));
    const meta = await sharp(bytes).metadata();
    expect(mime).toBe('image/png');
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 300, 242]);
  });

  it('sends an image already small enough byte for byte', async () => {
    const original = await readFile(minutesPage);
    const { mime, bytes } = decode(await imageToDataUrl(original, 1280));
    expect(mime).toBe('image/jpeg');
    expect(bytes.equals(original)).toBe(true);
  });

  it('applies the EXIF orientation, so the model sees the page upright', async () => {
    const sideways = await sharp(minutesPage).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const { bytes } = decode(await imageToDataUrl(sideways, 1280));
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([391, 428, 1]);
  });

  it('re-encodes formats vision endpoints may refuse (TIFF) as JPEG', async () => {
    const tiff = await sharp(minutesPage).tiff().toBuffer();
    const { mime, bytes } = decode(await imageToDataUrl(tiff, 1280));
    expect(mime).toBe('image/jpeg');
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
  });

  it('fails with INVALID_IMAGE on bytes that are not an image, and on a missing file', async () => {
    await expect(imageToDataUrl(Buffer.from('not an image'), 256)).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(imageToDataUrl(path.join(samples, 'missing.jpg'), 256)).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
      message: expect.stringContaining('missing.jpg'),
    });
  });
});
