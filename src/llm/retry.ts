import { APIConnectionError, APIError, InternalServerError, RateLimitError } from 'openai';
import { DeadlineExceeded } from './deadline.js';

/** Longest pause between two attempts, whatever the backoff or the server's Retry-After says. */
const MAX_DELAY_MS = 30_000;

/**
 * Worth another attempt: rate limits (429), server errors (5xx), timeouts (the SDK's, or one of our
 * deadlines) and broken connections. Bad requests (400-class) would fail the same way again, and a
 * caller's abort is final.
 */
export const isRetryable = (error: unknown): boolean =>
  error instanceof RateLimitError ||
  error instanceof InternalServerError ||
  error instanceof APIConnectionError ||
  error instanceof DeadlineExceeded;

/** The server's own wish, from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  if (!(error instanceof APIError) || error.headers === undefined) return undefined;
  const ms = Number(error.headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const header = error.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with jitter before retry number `retry` (0 for the first retry): half of
 * base·2^retry is fixed and half random, so callers that failed together do not retry together.
 * A longer Retry-After from the server wins; both are capped.
 */
export function backoffDelayMs(retry: number, baseMs: number, serverWishMs?: number, random = Math.random()): number {
  const exponential = Math.min(MAX_DELAY_MS, baseMs * 2 ** retry);
  const jittered = exponential / 2 + (exponential / 2) * random;
  return Math.min(MAX_DELAY_MS, Math.max(jittered, serverWishMs ?? 0));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
