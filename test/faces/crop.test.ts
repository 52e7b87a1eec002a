import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cropSquare, headshotJpeg } from '../../src/pipelines/faces/crop.js';
import { decodeRgb, type RgbPixels } from '../../src/pipelines/faces/image.js';
import { faceQuality, laplacianVariance } from '../../src/pipelines/faces/quality.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';

/** The first panellist's face in panel-photo.png (test/fixtures/faces/panel-photo.boxes.json). */
const panellist = { x: 23, y: 243, width: 36, height: 38 };

let photo: RgbPixels;
beforeAll(async () => {
  photo = await decodeRgb(await readFile(path.join(samples, 'panel-photo.png')));
});

const pixel = (image: RgbPixels, x: number, y: number): number[] => {
  const i = (y * image.width + x) * 3;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
};

describe('cropSquare', () => {
  it.each([150, 112])('gives a %i×%i RGB crop centred on the face', async (size) => {
    const crop = await cropSquare(photo, panellist, { size, margin: 0.2 });
    expect(crop).toMatchObject({ width: size, height: size });
    expect(crop.data.length).toBe(size * size * 3);
    // Same pixels as cutting the square by hand: compare the centre pixel.
    const centre = pixel(crop, size / 2, size / 2);
    const expected = pixel(photo, Math.round(panellist.x + panellist.width / 2), Math.round(panellist.y + panellist.height / 2));
    centre.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(40));
  });

  it('pads with black only where the square leaves the photo', async () => {
    const corner = { x: 0, y: 0, width: 20, height: 20 };
    const crop = await cropSquare(photo, corner, { size: 100, margin: 0.5 });
    expect(pixel(crop, 2, 2)).toEqual([0, 0, 0]);
    expect(pixel(crop, 97, 97)).not.toEqual([0, 0, 0]);
    const inside = await cropSquare(photo, panellist, { size: 100, margin: 0.2 });
    const edges = [pixel(inside, 0, 0), pixel(inside, 99, 0), pixel(inside, 0, 99), pixel(inside, 99, 99), pixel(inside, 50, 0)];
    expect(edges.some((p) => p.every((v) => v === 0))).toBe(false);
  });

  it('refuses a box outside the photo', async () => {
    await expect(cropSquare(photo, { x: 5000, y: 10, width: 20, height: 20 }, { size: 150, margin: 0.2 })).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
  });
});

describe('headshotJpeg', () => {
  it('is a 160×160 JPEG', async () => {
    const jpeg = await headshotJpeg(photo, panellist);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 160, height: 160 });
  });
});

describe('face quality', () => {
  it('scores a blurred copy of a face lower in sharpness and quality', async () => {
    const blurred = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } }).blur(2).raw().toBuffer();
    const blurredPhoto = { ...photo, data: blurred };
    expect(laplacianVariance(blurredPhoto, panellist)).toBeLessThan(laplacianVariance(photo, panellist) / 2);
    expect(faceQuality(blurredPhoto, panellist, 0.99).quality).toBeLessThan(faceQuality(photo, panellist, 0.99).quality);
  });

  it('scores a small face lower than a large one of the same sharpness and score', () => {
    const large = faceQuality(photo, panellist, 0.99);
    const small = faceQuality(photo, { ...panellist, width: 12, height: 15 }, 0.99);
    expect(small.quality).toBeLessThan(large.quality);
    expect(large.quality).toBeLessThanOrEqual(1);
  });
});
