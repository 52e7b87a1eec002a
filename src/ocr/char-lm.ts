import { AppError } from '../errors.js';
import { readModelFile } from '../model-store/model-file.js';

/** Registry name (models/context.json) of the Traditional Chinese character language model. */
export const CHAR_LM_NAME = 'zh-hant-char-lm';

/**
 * A character n-gram model (bigram or trigram): natural-log probabilities of a character after the
 * ones before it. Built by models/training/lm/build-char-lm.ts from text shipped by Debian and npm.
 */
export interface CharLm {
  /**
   * log P(char | history): `history` is what was read before on the line ('' at its start); only its
   * last `order − 1` characters count. Unknown characters get a low floor.
   */
  logP(history: string, char: string): number;
  /** 2 for a bigram model, 3 for a trigram model. */
  readonly order: number;
  readonly vocabularySize: number;
  readonly bigrams: number;
  readonly trigrams: number;
}

/** Trigrams, grouped by their two-character context. */
export interface TrigramTables {
  /** Sorted keys u·V + v of the contexts that have trigrams of their own. */
  contextKeys: Uint32Array;
  /** log α(u, v): the weight of the bigram estimate P(w | v) for a w not stored under the context. */
  contextBackoffLogW: Float32Array;
  /** The context's trigrams are next[starts[i]] … next[starts[i + 1] − 1] (length contexts + 1). */
  starts: Uint32Array;
  /** The third character's index, sorted within each context. */
  next: Uint32Array;
  logP: Float32Array;
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
  /** Absent in a bigram model. */
  trigrams?: TrigramTables;
  /** log probability of a character outside the vocabulary. */
  unknownLogP: number;
}

/*
 * File layout, version 2: "ACLM2\n", a uint32 (little-endian) byte length of a JSON header, the
 * header ({ vocabulary: string, bigrams: B, contexts: C, trigrams: T, unknownLogP: number }) padded
 * with spaces to a multiple of 4 bytes, then float32 unigramLogP[V], float32 backoffLogW[V],
 * uint32 bigramKeys[B], float32 bigramLogP[B], uint32 contextKeys[C], float32 contextBackoffLogW[C],
 * uint32 starts[C + 1], uint32 next[T], float32 trigramLogP[T]. A bigram model has C = T = 0.
 * (Version 1, "ACLM1\n", was the bigram model alone, without the trigram tables and their counts.)
 */
const MAGIC = 'ACLM2\n';

type Table = Float32Array | Uint32Array;
const asBytes = (a: Table): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export const encodeCharLm = (t: CharLmTables): Buffer => {
  const tri = t.trigrams ?? { contextKeys: new Uint32Array(0), contextBackoffLogW: new Float32Array(0), starts: Uint32Array.of(0), next: new Uint32Array(0), logP: new Float32Array(0) };
  let header = JSON.stringify({
    vocabulary: t.vocabulary.join(''),
    bigrams: t.bigramKeys.length,
    contexts: tri.contextKeys.length,
    trigrams: tri.next.length,
    unknownLogP: t.unknownLogP,
  });
  const prefix = MAGIC.length + 4;
  while ((prefix + Buffer.byteLength(header)) % 4 !== 0) header += ' ';
  const head = Buffer.alloc(prefix);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(header), MAGIC.length);
  const tables = [t.unigramLogP, t.backoffLogW, t.bigramKeys, t.bigramLogP, tri.contextKeys, tri.contextBackoffLogW, tri.starts, tri.next, tri.logP];
  return Buffer.concat([head, Buffer.from(header), ...tables.map(asBytes)]);
};

const corrupt = (why: string): AppError => new AppError('MODEL_CORRUPT', `Model "${CHAR_LM_NAME}" is not a character language model: ${why}`, { model: CHAR_LM_NAME });

interface Header {
  vocabulary: string;
  bigrams: number;
  contexts: number;
  trigrams: number;
  unknownLogP: number;
}

const readHeader = (buffer: Buffer): { header: Header; start: number } => {
  if (buffer.length < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) throw corrupt('bad magic');
  const start = MAGIC.length + 4 + buffer.readUInt32LE(MAGIC.length);
  let header: unknown;
  try {
    header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, start));
  } catch {
    throw corrupt('unreadable header');
  }
  if (typeof header !== 'object' || header === null) throw corrupt('header fields missing');
  const h = header as Record<string, unknown>;
  const counts = ['bigrams', 'contexts', 'trigrams'].map((k) => h[k]);
  if (typeof h['vocabulary'] !== 'string' || typeof h['unknownLogP'] !== 'number' || !counts.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
    throw corrupt('header fields missing or of the wrong type');
  }
  return { header: h as unknown as Header, start };
};

/** Index of `key` in the sorted `keys[lo, hi)`, or −1. */
const search = (keys: Uint32Array, key: number, lo = 0, hi = keys.length): number => {
  let a = lo;
  let b = hi - 1;
  while (a <= b) {
    const mid = (a + b) >> 1;
    const k = keys[mid]!;
    if (k === key) return mid;
    if (k < key) a = mid + 1;
    else b = mid - 1;
  }
  return -1;
};

/** The last two characters of a history (a character may be two UTF-16 units). */
const lastTwo = (history: string): [string | null, string | null] => {
  const chars = [...history.slice(-4)];
  return [chars.at(-2) ?? null, chars.at(-1) ?? null];
};

export const decodeCharLm = (bytes: Uint8Array): CharLm => {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { header, start } = readHeader(buffer);
  const vocabulary = [...header.vocabulary];
  const V = vocabulary.length;
  const { bigrams: B, contexts: C, trigrams: T } = header;
  if (buffer.length !== start + 4 * (2 * V + 2 * B + 2 * C + C + 1 + 2 * T)) throw corrupt('size does not match its header');
  let offset = start;
  // Copied so the tables are 4-byte aligned whatever the buffer's offset.
  const take = <A extends Table>(make: (b: ArrayBuffer) => A, n: number): A => {
    const table = make(buffer.buffer.slice(buffer.byteOffset + offset, buffer.byteOffset + offset + 4 * n) as ArrayBuffer);
    offset += 4 * n;
    return table;
  };
  const floats = (n: number): Float32Array => take((b) => new Float32Array(b), n);
  const uints = (n: number): Uint32Array => take((b) => new Uint32Array(b), n);
  const unigramLogP = floats(V);
  const backoffLogW = floats(V);
  const bigramKeys = uints(B);
  const bigramLogP = floats(B);
  const contextKeys = uints(C);
  const contextBackoffLogW = floats(C);
  const starts = uints(C + 1);
  const next = uints(T);
  const trigramLogP = floats(T);
  if (starts[C] !== T) throw corrupt('trigram table does not match its contexts');
  const index = new Map(vocabulary.map((c, i) => [c, i]));

  const bigramLog = (v: number, w: number): number => {
    const at = search(bigramKeys, v * V + w);
    return at >= 0 ? bigramLogP[at]! : backoffLogW[v]! + unigramLogP[w]!;
  };

  return {
    order: T > 0 ? 3 : 2,
    vocabularySize: V,
    bigrams: B,
    trigrams: T,
    logP(history, char) {
      const w = index.get(char);
      if (w === undefined) return header.unknownLogP;
      const [before, prev] = lastTwo(history);
      const v = prev === null ? undefined : index.get(prev);
      if (v === undefined) return unigramLogP[w]!;
      const u = before === null ? undefined : index.get(before);
      const context = u === undefined || C === 0 ? -1 : search(contextKeys, u * V + v);
      if (context < 0) return bigramLog(v, w);
      const at = search(next, w, starts[context]!, starts[context + 1]!);
      return at >= 0 ? trigramLogP[at]! : contextBackoffLogW[context]! + bigramLog(v, w);
    },
  };
};

export const loadCharLm = async (file: string): Promise<CharLm> => decodeCharLm(await readModelFile(file, CHAR_LM_NAME));
