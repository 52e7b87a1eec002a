import type { Readable } from 'node:stream';
import { consumeUpload } from '../src/store/incoming.js';

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
