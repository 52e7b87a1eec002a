import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_URL_SECRET_FILE, SignedUrls } from '../../src/http/signed-urls.js';
import { processedBatch } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

const SECRET = 'a file url secret of at least thirty-two characters';
const PHOTO_NAME = '會議 panel photo.png';

type Face = { cropUrl: string; box: { x: number; y: number; w: number; h: number } };
type Listed = {
  name: string;
  kind: string;
  image: { url: string; thumbnailUrl: string; width: number; height: number };
  faces: Face[];
  faceOverlay: string | null;
  textOverlay: string | null;
};
const LIST = `query($batchId: ID!) { artefacts(filter: { batchId: $batchId }) { nodes {
  name kind image { url thumbnailUrl(size: S128) width height } faces { cropUrl box { x y w h } }
  faceOverlay: overlayUrl(kind: FACES) textOverlay: overlayUrl(kind: TEXT) } } }`;

let s: TestServer;
let token: string;
let photo: Listed;
let page: Listed;

const bytes = async (url: string, init?: RequestInit) => {
  const r = await fetch(url, init);
  return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), body: Buffer.from(await r.arrayBuffer()) };
};

beforeAll(async () => {
  s = await startServer({ FILE_URL_SECRET: SECRET });
  token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  const batchId = await processedBatch(s, token, 'images', [
    { name: PHOTO_NAME, data: readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')) },
    { name: 'minutes-page.jpg', data: readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')) },
  ]);
  const listed = (await s.gql<{ artefacts: { nodes: Listed[] } }>(LIST, { batchId }, token)).body.data?.artefacts.nodes ?? [];
  photo = listed.find((a) => a.kind === 'HF') as Listed;
  page = listed.find((a) => a.kind === 'MM') as Listed;
}, 240_000);
afterAll(() => s.close());

describe('images for clients', () => {
  it('gives absolute signed URLs that work in an <img>, without a header, with the original file name', async () => {
    expect(photo.image.url.startsWith(`${s.url}/files/`)).toBe(true);
    const original = await bytes(photo.image.url);
    expect(original).toMatchObject({ status: 200, type: 'image/png' });
    expect(original.body).toEqual(readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')));
    expect(original.disposition).toBe(`inline; filename="__ panel photo.png"; filename*=UTF-8''${encodeURIComponent(PHOTO_NAME)}`);
    const thumb = await bytes(photo.image.thumbnailUrl);
    expect(thumb.type).toBe('image/webp');
    expect(Math.max((await sharp(thumb.body).metadata()).width ?? 0, (await sharp(thumb.body).metadata()).height ?? 0)).toBe(128);
  });

  it('refuses a URL without its signature, a changed one, and an expired one', async () => {
    const url = new URL(photo.image.url);
    expect((await fetch(`${url.origin}${url.pathname}`)).status).toBe(401);
    const renamed = new URL(url);
    renamed.searchParams.set('name', 'other.png');
    const changed = await fetch(renamed);
    expect(changed.status).toBe(403);
    expect(((await changed.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe('This file URL is not valid');
    // Signed with the server's key three hours ago: past even a 2-window lifetime of 15 minutes.
    const old = new SignedUrls(Buffer.from(SECRET), 15 * 60_000, () => Date.now() - 3 * 3_600_000).sign(url.pathname);
    const expired = await fetch(`${url.origin}${old}`);
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe('This file URL has expired; ask the API for a new one');
    const fresh = new SignedUrls(Buffer.from(SECRET), 15 * 60_000).sign(url.pathname);
    expect((await fetch(`${url.origin}${fresh}`)).status).toBe(200);
  });

  it('keeps a URL the same within its window, valid for one to two windows', () => {
    let now = Date.parse('2026-11-29T10:00:00.000Z');
    const urls = new SignedUrls(Buffer.from(SECRET), 15 * 60_000, () => now);
    const first = urls.sign('/files/x');
    now += 14 * 60_000;
    expect(urls.sign('/files/x')).toBe(first);
    const query = Object.fromEntries(new URL(first, 'http://h').searchParams);
    now += 16 * 60_000 - 1;
    expect(urls.verify('/files/x', query)).toBe('VALID');
    now += 1;
    expect(urls.verify('/files/x', query)).toBe('EXPIRED');
    expect(urls.verify('/files/y', query)).toBe('INVALID');
  });

  it('crops each face from its photo', async () => {
    expect(photo.faces.length).toBeGreaterThan(0);
    const crop = await bytes(photo.faces[0]?.cropUrl as string);
    expect(crop.type).toBe('image/jpeg');
    expect(await sharp(crop.body).metadata()).toMatchObject({ format: 'jpeg', width: 160, height: 160 });
  });

  it('generates the key into DATA_DIR when FILE_URL_SECRET is unset, and keeps it across restarts', async () => {
    const other = await startServer();
    try {
      const file = path.join(other.dataDir, FILE_URL_SECRET_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const admin = await other.signIn(SUPERUSER.username, SUPERUSER.password);
      const me = async () => (await other.gql<{ me: { avatar: null } }>('{ me { username } }', {}, admin)).body.data;
      expect(await me()).toEqual({ me: { username: SUPERUSER.username } });
      const key = readFileSync(file, 'utf8');
      await other.stop();
      const again = await startServer({}, other.dataDir);
      try {
        expect(readFileSync(file, 'utf8')).toBe(key);
      } finally {
        await again.close();
      }
    } finally {
      await other.close().catch(() => undefined);
    }
  }, 60_000);
});

describe('pictures for reviewers', () => {
  /** Mean absolute difference per channel between the overlay and the plain image at the overlay's size. */
  const difference = async (overlay: Buffer, original: Buffer) => {
    const o = await sharp(overlay).raw().toBuffer({ resolveWithObject: true });
    const plain = await sharp(original).rotate().resize(o.info.width, o.info.height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < plain.length; i++) sum += Math.abs((o.data[i] ?? 0) - (plain[i] ?? 0));
    return sum / plain.length;
  };

  it('draws the faces on a photo', async () => {
    expect(photo.textOverlay).toBeNull();
    const overlay = await bytes(photo.faceOverlay as string);
    expect(overlay.type).toBe('image/jpeg');
    const meta = await sharp(overlay.body).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: photo.image.width, height: photo.image.height });
    expect(await difference(overlay.body, readFileSync(path.join(SAMPLES_DIR, 'panel-photo.png')))).toBeGreaterThan(2);
  });

  it('draws the lines, characters, notes and seals the OCR found on a page', async () => {
    expect(page.faceOverlay).toBeNull();
    const overlay = await bytes(page.textOverlay as string);
    const meta = await sharp(overlay.body).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: page.image.width, height: page.image.height });
    expect(await difference(overlay.body, readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg')))).toBeGreaterThan(5);
  });

  it('serves overlays to a session too, and refuses an unknown kind', async () => {
    const { pathname } = new URL(page.textOverlay as string);
    expect((await fetch(`${s.url}${pathname}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${s.url}${pathname.replace(/text$/, 'seals')}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
  });
});
