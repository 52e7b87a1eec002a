import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors.js';
import type { Db } from './db.js';
import { consumeUpload } from './incoming.js';

export interface StoredFile {
  sha256: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  createdAt: string;
}

export const THUMBNAIL_SIZES = [128, 256, 512, 1024] as const;

// What refers to a file now: an artefact's scan, a profile picture, a figure's headshot, a face's photo.
const IN_USE = `(EXISTS (SELECT 1 FROM artefacts WHERE file_sha256 = files.sha256)
  OR EXISTS (SELECT 1 FROM users WHERE avatar_sha256 = files.sha256)
  OR EXISTS (SELECT 1 FROM figures WHERE headshot_sha256 = files.sha256)
  OR EXISTS (SELECT 1 FROM faces WHERE source_sha256 = files.sha256))`;
// Undoing a figure change may put back a headshot it replaced, so its steps keep their files.
const KEPT = `(${IN_USE} OR EXISTS (SELECT 1 FROM figure_changes WHERE instr(steps, files.sha256) > 0))`;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

const MIME_BY_FORMAT: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  gif: 'image/gif',
};

interface FileRow {
  sha256: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  created_at: string;
}

const toFile = (r: FileRow): StoredFile => ({
  sha256: r.sha256,
  mime: r.mime,
  bytes: r.bytes,
  width: r.width,
  height: r.height,
  createdAt: r.created_at,
});

/**
 * Content-addressed image store: each file is kept once under DATA_DIR/files by its SHA-256, and
 * thumbnails are made by sharp on first request and cached on disk.
 */
export class FileStore {
  private readonly filesDir: string;
  private readonly thumbsDir: string;
  // IIIF renderings (regions, sizes, turns, qualities) of each image, made on request.
  private readonly derivativesDir: string;
  // Uploads on their way in; on the same file system as filesDir, so moving one into place is a rename.
  private readonly incomingDir: string;

  constructor(
    private readonly db: Db,
    dataDir: string,
    private readonly limits: { maxBytes: number; maxPixels: number },
  ) {
    this.filesDir = path.join(dataDir, 'files');
    this.thumbsDir = path.join(dataDir, 'thumbnails');
    this.derivativesDir = path.join(dataDir, 'iiif');
    this.incomingDir = path.join(this.filesDir, 'incoming');
  }

  get maxBytes(): number {
    return this.limits.maxBytes;
  }

  /** Checks that the bytes are a real image within the limits, then stores them (once). */
  async putImage(data: Buffer): Promise<StoredFile> {
    if (data.length > this.limits.maxBytes) {
      throw new AppError('INVALID_IMAGE', `The file is ${mb(data.length)} MB; the limit is ${mb(this.limits.maxBytes)} MB`);
    }
    const image = await this.inspect(data, data.length);
    const sha256 = createHash('sha256').update(data).digest('hex');
    return this.keep(sha256, image, (target) => writeAtomically(target, data));
  }

  /**
   * Stores an upload as it arrives: written to a temporary file while it is hashed, checked there,
   * then moved into place (or dropped when the same bytes are already stored). Never held whole in
   * memory, so a batch of large scans costs the server disk, not memory.
   */
  async putStream(source: AsyncIterable<unknown>): Promise<StoredFile> {
    await mkdir(this.incomingDir, { recursive: true, mode: 0o700 });
    const temp = path.join(this.incomingDir, `${randomUUID()}.tmp`);
    const out = createWriteStream(temp, { mode: 0o600 });
    const closed = new Promise<void>((resolve, reject) => {
      out.once('close', resolve);
      out.once('error', reject);
    });
    // Awaited once the upload is read; a disk error before then must not count as unhandled.
    closed.catch(() => undefined);
    const hash = createHash('sha256');
    try {
      let bytes: number;
      try {
        bytes = await consumeUpload(source, this.limits.maxBytes, async (piece) => {
          if (out.errored) throw out.errored;
          hash.update(piece);
          if (!out.write(piece)) await once(out, 'drain');
        });
      } finally {
        out.end();
        await closed;
      }
      const image = await this.inspect(temp, bytes);
      return await this.keep(hash.digest('hex'), image, (target) => rename(temp, target));
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** The bytes (in memory or in a file) must be a whole image of a known format within the pixel limit. */
  private async inspect(input: Buffer | string, bytes: number): Promise<{ mime: string; bytes: number; width: number; height: number }> {
    if (bytes === 0) throw new AppError('INVALID_IMAGE', 'The file is empty');
    let meta: Metadata;
    try {
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch {
      throw new AppError('INVALID_IMAGE', 'The file is not an image that can be read (JPEG, PNG, WebP, TIFF or GIF)');
    }
    const mime = meta.format === undefined ? undefined : MIME_BY_FORMAT[meta.format];
    if (mime === undefined) throw new AppError('INVALID_IMAGE', `Unsupported image format: ${meta.format ?? 'unknown'}`);
    // The upright frame (EXIF orientation applied), which every reader decodes: the pipelines,
    // thumbnails, crops and the images sent to language models.
    const { width, height } = meta.autoOrient;
    if (width * height > this.limits.maxPixels) {
      throw new AppError('INVALID_IMAGE', `The image has ${width}×${height} pixels; the limit is ${this.limits.maxPixels} pixels`);
    }
    // Decoding the whole image catches truncated files whose header alone looks fine.
    try {
      await sharp(input, { limitInputPixels: this.limits.maxPixels }).stats();
    } catch {
      throw new AppError('INVALID_IMAGE', 'The image is damaged and cannot be decoded');
    }
    return { mime, bytes, width, height };
  }

  /** Records the file, then puts its bytes in place with `place` unless they are there already. */
  private async keep(sha256: string, image: { mime: string; bytes: number; width: number; height: number }, place: (target: string) => Promise<void>): Promise<StoredFile> {
    // The row first: once stored_at is fresh the collector leaves the file alone, and should it
    // have removed the bytes just before, they are written again below.
    const now = new Date().toISOString();
    this.db
      .query(
        `INSERT INTO files (sha256, mime, bytes, width, height, created_at, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (sha256) DO UPDATE SET stored_at = excluded.stored_at, width = excluded.width, height = excluded.height`,
      )
      .run(sha256, image.mime, image.bytes, image.width, image.height, now, now);
    const target = this.pathOf(sha256);
    if (!(await exists(target))) {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await place(target);
    }
    return this.get(sha256) as StoredFile;
  }

  get(sha256: string): StoredFile | undefined {
    const row = this.db.query<FileRow>('SELECT * FROM files WHERE sha256 = ?').get(sha256);
    return row === undefined ? undefined : toFile(row);
  }

  /** The file, while something refers to it: a removed picture or a deleted artefact's scan is not served. */
  inUse(sha256: string): StoredFile | undefined {
    const row = this.db.query<FileRow>(`SELECT * FROM files WHERE sha256 = ? AND ${IN_USE}`).get(sha256);
    return row === undefined ? undefined : toFile(row);
  }

  /**
   * Deletes the files nothing refers to whose bytes were last stored before `storedBefore`, with
   * their thumbnails; returns how many. The grace period covers uploads between storing the bytes
   * and referring to them. Synchronous, so no upload of the same bytes can come in between the
   * row's deletion and the file's.
   */
  collectUnreferenced(storedBefore: Date): number {
    const gone = this.db
      .query<{ sha256: string }>(`DELETE FROM files WHERE stored_at < ? AND NOT ${KEPT} RETURNING sha256`)
      .all(storedBefore.toISOString());
    for (const { sha256 } of gone) {
      rmSync(this.pathOf(sha256), { force: true });
      for (const size of THUMBNAIL_SIZES) rmSync(this.thumbnailPath(sha256, size), { force: true });
      rmSync(this.derivativesOf(sha256), { recursive: true, force: true });
    }
    this.dropStaleIncoming(storedBefore);
    return gone.length;
  }

  /** Uploads cut off by a crash leave their temporary file behind; one that old is not in flight. */
  private dropStaleIncoming(before: Date): void {
    let names: string[];
    try {
      names = readdirSync(this.incomingDir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.incomingDir, name);
      if ((statSync(file, { throwIfNoEntry: false })?.mtime.getTime() ?? Infinity) < before.getTime()) rmSync(file, { force: true });
    }
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AppError('BAD_USER_INPUT', 'Not a file id');
    return path.join(this.filesDir, sha256.slice(0, 2), sha256);
  }

  async read(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  /** A WebP thumbnail whose longer side is `size`, made once and then served from disk. */
  async thumbnail(sha256: string, size: ThumbnailSize): Promise<string> {
    const target = this.thumbnailPath(sha256, size);
    if (await exists(target)) return target;
    const source = this.pathOf(sha256);
    const data = await sharp(source, { limitInputPixels: this.limits.maxPixels })
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    await writeAtomically(target, data);
    return target;
  }

  /**
   * A rendering of the image named `name` (letters, digits and `,.!_-`), made by `render` once and
   * then served from disk; deleted with the image.
   */
  async derivative(sha256: string, name: string, render: () => Promise<Buffer>): Promise<string> {
    if (!/^[\w,.!-]+$/.test(name)) throw new AppError('BAD_USER_INPUT', 'Not a derivative name');
    const target = path.join(this.derivativesOf(sha256), name);
    if (await exists(target)) return target;
    await writeAtomically(target, await render());
    return target;
  }

  private derivativesOf(sha256: string): string {
    return path.join(this.derivativesDir, sha256.slice(0, 2), sha256);
  }

  private thumbnailPath(sha256: string, size: ThumbnailSize): string {
    return path.join(this.thumbsDir, String(size), `${sha256}.webp`);
  }
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomically(target: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${randomUUID()}.tmp`;
  await writeFile(temp, data, { mode: 0o600 });
  await rename(temp, target);
}
