import type { Readable } from 'node:stream';
import { AppError } from '../src/errors.js';

/** What the Upload scalar resolves to (graphql-upload-minimal's FileUpload). */
export interface FileUpload {
  filename: string;
  mimetype: string;
  encoding: string;
  createReadStream: () => Readable;
}

export type UploadPromise = Promise<FileUpload> | FileUpload;

/** Reads an uploaded file into memory, refusing it as soon as it passes `maxBytes`. */
export async function readUpload(upload: UploadPromise | null | undefined, maxBytes: number): Promise<Buffer | null> {
  if (upload == null) return null;
  const file = await upload;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.createReadStream()) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > maxBytes) {
      throw new AppError('BAD_USER_INPUT', `${file.filename} is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, {
        field: 'file',
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
