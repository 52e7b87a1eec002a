import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AppError } from '../errors.js';

export interface DownloadRequest {
  /** Model name, for messages. */
  name: string;
  url: string;
  sha256: string;
  /** Final location; written only after the checksum matched. */
  target: string;
  timeoutMs: number;
}

/**
 * Downloads to a temporary file beside the target, hashing while writing, and renames it into place
 * only when the sha256 matches: a crash or a bad download never leaves a file that looks valid.
 */
export const downloadVerified = async (request: DownloadRequest): Promise<void> => {
  const { name, url, sha256, target, timeoutMs } = request;
  await mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
  const howToGet = `download it from ${url} yourself and place it at ${target}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    throw new AppError('MODEL_MISSING', `Model "${name}" could not be downloaded from ${url} (${errorText(error)}); ${howToGet}`, { model: name }, { cause: error });
  }
  if (!response.ok || response.body === null) {
    throw new AppError('MODEL_MISSING', `Model "${name}" could not be downloaded from ${url} (HTTP ${response.status}); ${howToGet}`, { model: name });
  }
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(temp));
  } catch (error) {
    await rm(temp, { force: true });
    throw new AppError('MODEL_MISSING', `Model "${name}" download from ${url} broke off (${errorText(error)}); ${howToGet}`, { model: name }, { cause: error });
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    await rm(temp, { force: true });
    throw new AppError(
      'MODEL_CORRUPT',
      `Model "${name}" downloaded from ${url} has sha256 ${actual}, expected ${sha256}; the file was discarded. Check the URL in models/context.json or ${howToGet}`,
      { model: name, expected: sha256, actual },
    );
  }
  await rename(temp, target);
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
