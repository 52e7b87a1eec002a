import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, until } from '../support/batches.js';
import { startServer, type TestServer } from '../support/server.js';
import { SAMPLES_DIR } from '../support/samples.js';

interface Photo {
  node: {
    stage: string;
    artefacts: { nodes: { image: { width: number; height: number; thumbnailUrl: string }; faces: { box: { x: number; y: number; w: number; h: number } }[] }[] };
  };
}

const PHOTO = `query($id: ID!) { node(id: $id) { ... on Batch { stage artefacts(first: 1) { nodes {
  image { width height thumbnailUrl(size: S256) } faces { box { x y w h } }
} } } } }`;

describe('EXIF orientation', { timeout: 240_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('stores, detects and thumbnails a photo in its upright frame', async () => {
    const upright = readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png'));
    const { width, height } = await sharp(upright).metadata();
    // As a camera held upright on its side writes it: the pixels turned a quarter, and EXIF
    // orientation 6 saying to turn them back.
    const sideways = await sharp(upright).rotate(270).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(sideways).metadata()).width).toBe(height);

    const { token } = await s.userWithRole('ARCHIVIST', 'photographer');
    const { batchId } = await batchOf(s, token, 'sideways.jpg', sideways, 'HF');
    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: batchId }, token);
    let photo: Photo['node']['artefacts']['nodes'][number] | undefined;
    await until(async () => {
      const r = await s.gql<Photo>(PHOTO, { id: batchId }, token);
      photo = r.body.data?.node.artefacts.nodes[0];
      return r.body.data?.node.stage === 'VETTING';
    });
    expect(photo?.image).toMatchObject({ width, height });
    expect(photo?.faces.length).toBeGreaterThan(0);
    for (const { box } of photo?.faces ?? []) {
      expect(box.x + box.w).toBeLessThanOrEqual(width as number);
      expect(box.y + box.h).toBeLessThanOrEqual(height as number);
    }
    const thumbnail = await fetch(new URL(photo?.image.thumbnailUrl as string, s.url), { headers: { authorization: `Bearer ${token}` } });
    const thumb = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect(thumb.width).toBeGreaterThan(thumb.height);
  });
});
