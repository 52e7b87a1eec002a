import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Where the generated key lives when FILE_URL_SECRET is unset (mode 0600, like the superuser password). */
export const FILE_URL_SECRET_FILE = 'file-url-secret';

/** The key that signs file URLs: FILE_URL_SECRET, or one generated once into DATA_DIR and kept there. */
export async function fileUrlSecret(dataDir: string, configured: string | undefined): Promise<Buffer> {
  if (configured !== undefined) return Buffer.from(configured);
  const file = path.join(dataDir, FILE_URL_SECRET_FILE);
  try {
    // 'wx': another instance over the same DATA_DIR may have written it first; then theirs is read.
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from((await readFile(file, 'utf8')).trim());
}

/** Absolute signed URLs for one request's resolvers. */
export interface Links {
  file(pathname: string, params?: Readonly<Record<string, string>>): string;
}

/** Links on `baseUrl` (PUBLIC_URL, or the scheme and host a request came to). */
export const linksFor = (urls: SignedUrls, baseUrl: string): Links => ({ file: (pathname, params) => `${baseUrl}${urls.sign(pathname, params)}` });

export type Verdict = 'VALID' | 'EXPIRED' | 'INVALID';

/**
 * Short-lived file URLs that work without a session (an `<img>` cannot send a header): the path
 * and its parameters with an expiry, signed with HMAC-SHA256. Expiries are rounded up to a window
 * of `ttlMs`, so one file's URL stays the same for a while (browsers cache it) and is valid for
 * between one and two windows.
 */
export class SignedUrls {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** `path?params&expires=…&signature=…`, relative to the server's origin. */
  sign(pathname: string, params: Readonly<Record<string, string>> = {}): string {
    // The end of the window after the current one.
    const expires = String((Math.floor(this.now() / this.ttlMs) + 2) * (this.ttlMs / 1000));
    // Most URLs (thumbnails, 50 on a catalogue page) have no other parameter: their query is the
    // expiry alone, written without URLSearchParams (a third of the cost of signing).
    const query = Object.keys(params).length === 0 ? `expires=${expires}` : sortedQuery({ ...params, expires });
    return `${pathname}?${query}&signature=${this.mac(pathname, query)}`;
  }

  /** Whether the query signs this path, and is still valid. */
  verify(pathname: string, query: Readonly<Record<string, string | undefined>>): Verdict {
    const { signature, ...rest } = query;
    if (signature === undefined || rest.expires === undefined) return 'INVALID';
    const signed = sortedQuery(Object.fromEntries(Object.entries(rest).filter((e): e is [string, string] => e[1] !== undefined)));
    const expected = Buffer.from(this.mac(pathname, signed));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'INVALID';
    return Number(rest.expires) * 1000 > this.now() ? 'VALID' : 'EXPIRED';
  }

  private mac(pathname: string, query: string): string {
    return createHmac('sha256', this.secret).update(`${pathname}?${query}`).digest('base64url');
  }
}

/** `a=1&b=2`: the parameters sorted by name, as signed. */
function sortedQuery(params: Readonly<Record<string, string>>): string {
  const query = new URLSearchParams(params);
  query.sort();
  return query.toString();
}
