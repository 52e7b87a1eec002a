export const REDACTED = '[redacted]';

// Shapes of keys and tokens that may come back from a provider even when they are not ours.
const SECRET_SHAPES = [/\bsk-[A-Za-z0-9_-]{8,}/g, /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi];

/**
 * Masks secrets in text from or about a provider: the configured keys, wherever they appear, and
 * anything shaped like an API key or bearer token.
 */
export function maskSecrets(text: string, keys: readonly string[]): string {
  let masked = text;
  for (const key of keys) if (key.length >= 4) masked = masked.split(key).join(REDACTED);
  for (const shape of SECRET_SHAPES) masked = masked.replace(shape, REDACTED);
  return masked;
}

// The characters keys and tokens are made of: a run of them at the end of a piece may go on in the next.
const OPEN_RUN = /[A-Za-z0-9._~+/=-]{1,512}$/;

/**
 * Masks secrets in a reply that arrives piece by piece: a run of key-like characters at the end of
 * the text so far is held back until the next piece shows where it ends, so a key split across
 * pieces is masked whole. Text in other scripts flows through at once.
 */
export class StreamMasker {
  private pending = '';

  constructor(private readonly keys: readonly string[]) {}

  /** The part of the text so far that can be let out. */
  push(piece: string): string {
    const text = this.pending + piece;
    const hold = OPEN_RUN.exec(text)?.[0].length ?? 0;
    this.pending = text.slice(text.length - hold);
    return maskSecrets(text.slice(0, text.length - hold), this.keys);
  }

  /** What was held back, at the end of the reply. */
  flush(): string {
    const out = maskSecrets(this.pending, this.keys);
    this.pending = '';
    return out;
  }
}
