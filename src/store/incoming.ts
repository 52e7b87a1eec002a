import { AppError } from '../errors.js';

/**
 * Reads an upload to its end, handing each piece to `take` while the total stays within
 * `maxBytes`, and returns the size. Refuses it (INVALID_IMAGE) when it was larger or did not
 * arrive whole. An oversized file is still read to its end: the multipart parser only reaches the
 * next file once this one is consumed.
 */
export async function consumeUpload(source: AsyncIterable<unknown>, maxBytes: number, take: (piece: Buffer) => Promise<void> | void): Promise<number> {
  let size = 0;
  try {
    for await (const chunk of source) {
      const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += piece.length;
      if (size <= maxBytes) await take(piece);
    }
  } catch {
    // The multipart parser ends a file's stream with an error past its own limit (one byte above
    // ours) or when the request breaks off.
    if (size <= maxBytes) throw new AppError('INVALID_IMAGE', 'The file did not arrive whole', { field: 'file' });
    size = maxBytes + 1;
  }
  if (size > maxBytes) {
    throw new AppError('INVALID_IMAGE', `The file is larger than the ${Math.round(maxBytes / 1024 / 1024)} MB limit`, { field: 'file' });
  }
  return size;
}

/** Reads an upload to its end and drops it, so that the files after it on the request can be read. */
export async function discardUpload(source: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _ of source);
  } catch {
    // A broken or oversized file is dropped all the same.
  }
}
