import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors.js';
import type { Db } from './db.js';

export interface StoredFile {
  sha256: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  createdAt: string;
}

export const THUMBNAIL_SIZES = [128, 256, 512, 1024] as const;
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

  constructor(
    private readonly db: Db,
    dataDir: string,
    private readonly limits: { maxBytes: number; maxPixels: number },
  ) {
    this.filesDir = path.join(dataDir, 'files');
    this.thumbsDir = path.join(dataDir, 'thumbnails');
  }

  get maxBytes(): number {
    return this.limits.maxBytes;
  }

  /** Checks that the bytes are a real image within the limits, then stores them (once). */
  async putImage(data: Buffer): Promise<StoredFile> {
    if (data.length === 0) throw new AppError('INVALID_IMAGE', 'The file is empty');
    if (data.length > this.limits.maxBytes) {
      throw new AppError('INVALID_IMAGE', `The file is ${mb(data.length)} MB; the limit is ${mb(this.limits.maxBytes)} MB`);
    }
    let meta: Metadata;
    try {
      meta = await sharp(data, { limitInputPixels: false }).metadata();
    } catch {
      throw new AppError('INVALID_IMAGE', 'The file is not an image that can be read (JPEG, PNG, WebP, TIFF or GIF)');
    }
    const mime = meta.format === undefined ? undefined : MIME_BY_FORMAT[meta.format];
    if (mime === undefined) throw new AppError('INVALID_IMAGE', `Unsupported image format: ${meta.format ?? 'unknown'}`);
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (width * height > this.limits.maxPixels) {
      throw new AppError('INVALID_IMAGE', `The image has ${width}×${height} pixels; the limit is ${this.limits.maxPixels} pixels`);
    }
    // Decoding the whole image catches truncated files whose header alone looks fine.
    try {
      await sharp(data, { limitInputPixels: this.limits.maxPixels }).stats();
    } catch {
      throw new AppError('INVALID_IMAGE', 'The image is damaged and cannot be decoded');
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const target = this.pathOf(sha256);
    if (!(await exists(target))) await writeAtomically(target, data);
    const now = new Date().toISOString();
    this.db
      .query('INSERT INTO files (sha256, mime, bytes, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(sha256, mime, data.length, width, height, now);
    return this.get(sha256) as StoredFile;
  }

  get(sha256: string): StoredFile | undefined {
    const row = this.db.query<FileRow>('SELECT * FROM files WHERE sha256 = ?').get(sha256);
    return row === undefined ? undefined : toFile(row);
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
    const target = path.join(this.thumbsDir, String(size), `${sha256}.webp`);
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
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${randomUUID()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, target);
}
