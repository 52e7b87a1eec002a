import type { Readable } from 'node:stream';
import { AppError } from '../src/errors.js';
import { consumeUpload, discardUpload } from '../src/store/incoming.js';

/** What the Upload scalar resolves to (graphql-upload-minimal's FileUpload). */
export interface FileUpload {
  filename: string;
  mimetype: string;
  encoding: string;
  createReadStream: () => Readable;
}

export type UploadPromise = Promise<FileUpload> | FileUpload;

/** Reads an uploaded file into memory, refusing it as soon as it passes `maxBytes` (small files only: pictures). */
export async function readUpload(upload: UploadPromise | null | undefined, maxBytes: number): Promise<Buffer | null> {
  if (upload == null) return null;
  const file = await upload;
  const pieces: Buffer[] = [];
  await consumeUpload(file.createReadStream(), maxBytes, (piece) => void pieces.push(piece));
  return Buffer.concat(pieces);
}

/**
 * Runs a mutation with the one file it needs, read when the service asks for it (after it checked
 * who may); BAD_USER_INPUT when none was sent. A file the mutation refused before reading is read
 * to its end and dropped: until then the multipart request cannot finish.
 */
export async function withUpload<T>(upload: UploadPromise | null | undefined, run: (receive: (maxBytes: number) => Promise<Buffer>) => Promise<T>): Promise<T> {
  let asked = false;
  try {
    return await run(async (maxBytes) => {
      asked = true;
      const data = await readUpload(upload, maxBytes);
      if (data === null) throw new AppError('BAD_USER_INPUT', 'No file was sent', { field: 'file' });
      return data;
    });
  } catch (error) {
    if (!asked && upload != null) await discardUpload((await upload).createReadStream());
    throw error;
  }
}
