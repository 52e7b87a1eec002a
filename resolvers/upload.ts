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
  // An oversized file is still read to its end (and dropped): the multipart parser only reaches
  // the next file once this one is consumed.
  try {
    for await (const chunk of file.createReadStream()) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buf.length;
      if (size <= maxBytes) chunks.push(buf);
    }
  } catch {
    // The multipart parser ends a file's stream with an error past its own limit (one byte above
    // ours) or when the request breaks off.
    if (size <= maxBytes) throw new AppError('INVALID_IMAGE', `${file.filename} did not arrive whole`, { field: 'file' });
    size = maxBytes + 1;
  }
  if (size > maxBytes) {
    throw new AppError('INVALID_IMAGE', `${file.filename} is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, { field: 'file' });
  }
  return Buffer.concat(chunks);
}
