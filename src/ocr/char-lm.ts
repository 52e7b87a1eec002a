import { AppError } from '../errors.js';
import { readModelFile } from '../model-store/model-file.js';

/** Registry name (models/context.json) of the Traditional Chinese character bigram model. */
export const CHAR_LM_NAME = 'zh-hant-char-lm';

/**
 * A character bigram model: natural-log probabilities of a character after another one.
 * Built by models/training/lm/build-char-lm.ts from word lists and running text shipped by Debian.
 */
export interface CharLm {
  /** log P(char | prev); `prev` null for the first character of a line. Unknown characters get a low floor. */
  logP(prev: string | null, char: string): number;
  readonly vocabularySize: number;
  readonly bigrams: number;
}

export interface CharLmTables {
  /** Characters, most frequent first; a character's index keys the tables. */
  vocabulary: readonly string[];
  unigramLogP: Float32Array;
  /** log α(v): the weight of the unigram when v is followed by a character not in the bigram table. */
  backoffLogW: Float32Array;
  /** Sorted keys v·V + w of the bigrams kept. */
  bigramKeys: Uint32Array;
  bigramLogP: Float32Array;
  /** log probability of a character outside the vocabulary. */
  unknownLogP: number;
}

/*
 * File layout: "ACLM1\n", a uint32 (little-endian) byte length of a JSON header, the header
 * ({ vocabulary: string, bigrams: number, unknownLogP: number }) padded with spaces to a multiple of
 * 4 bytes, then float32 unigramLogP[V], float32 backoffLogW[V], uint32 bigramKeys[B], float32 bigramLogP[B].
 */
const MAGIC = 'ACLM1\n';

export const encodeCharLm = (t: CharLmTables): Buffer => {
  let header = JSON.stringify({ vocabulary: t.vocabulary.join(''), bigrams: t.bigramKeys.length, unknownLogP: t.unknownLogP });
  const prefix = MAGIC.length + 4;
  while ((prefix + Buffer.byteLength(header)) % 4 !== 0) header += ' ';
  const head = Buffer.alloc(prefix);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(header), MAGIC.length);
  const bytes = (a: Float32Array | Uint32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([head, Buffer.from(header), bytes(t.unigramLogP), bytes(t.backoffLogW), bytes(t.bigramKeys), bytes(t.bigramLogP)]);
};

const corrupt = (why: string): AppError => new AppError('MODEL_CORRUPT', `Model "${CHAR_LM_NAME}" is not a character bigram model: ${why}`, { model: CHAR_LM_NAME });

export const decodeCharLm = (bytes: Uint8Array): CharLm => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) throw corrupt('bad magic');
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + headerLength;
  let header: unknown;
  try {
    header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, start));
  } catch {
    throw corrupt('unreadable header');
  }
  if (typeof header !== 'object' || header === null || !('vocabulary' in header) || !('bigrams' in header) || !('unknownLogP' in header)) throw corrupt('header fields missing');
  const { vocabulary: joined, bigrams, unknownLogP } = header;
  if (typeof joined !== 'string' || typeof bigrams !== 'number' || typeof unknownLogP !== 'number') throw corrupt('header fields of the wrong type');
  const vocabulary = [...joined];
  const V = vocabulary.length;
  if (buffer.length !== start + 4 * (2 * V + 2 * bigrams)) throw corrupt('size does not match its header');
  // Copied so the tables are 4-byte aligned whatever the buffer's offset.
  const table = <T extends Float32Array | Uint32Array>(make: (b: ArrayBuffer) => T, offset: number, n: number): T =>
    make(buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + 4 * n) as ArrayBuffer);
  const unigramLogP = table((b) => new Float32Array(b), start, V);
  const backoffLogW = table((b) => new Float32Array(b), start + 4 * V, V);
  const bigramKeys = table((b) => new Uint32Array(b), start + 8 * V, bigrams);
  const bigramLogP = table((b) => new Float32Array(b), start + 8 * V + 4 * bigrams, bigrams);
  const index = new Map(vocabulary.map((c, i) => [c, i]));

  const findBigram = (key: number): number => {
    let lo = 0;
    let hi = bigramKeys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = bigramKeys[mid]!;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };

  return {
    vocabularySize: V,
    bigrams,
    logP(prev, char) {
      const w = index.get(char);
      if (w === undefined) return unknownLogP;
      const v = prev === null ? undefined : index.get(prev);
      if (v === undefined) return unigramLogP[w]!;
      const at = findBigram(v * V + w);
      return at >= 0 ? bigramLogP[at]! : backoffLogW[v]! + unigramLogP[w]!;
    },
  };
};

export const loadCharLm = async (file: string): Promise<CharLm> => decodeCharLm(await readModelFile(file, CHAR_LM_NAME));
