import { APIConnectionError, APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelayMs, isRetryable, retryAfterMs } from '../../src/llm/retry.js';
import { reply } from '../support/openai-double.js';
import { setUp, type Overrides } from './fixtures.js';

let ctx: Awaited<ReturnType<typeof setUp>> | undefined;
const start = async (overrides?: Overrides) => (ctx = await setUp(overrides));
afterEach(async () => {
  await ctx?.double.close();
  ctx = undefined;
});

describe('retries through the SDK against the double', () => {
  it('retries a 429 (with Retry-After) and counts the retry', async () => {
    const { double, llm, tracer, reports } = await start();
    double.enqueue(reply.rateLimited(0), reply.text('ok'));

    const outcome = await llm.complete('summary', llm.conversation().user('x'), { tracer });

    expect(outcome).toMatchObject({ status: 'answered', value: 'ok', retries: 1 });
    expect(double.requests).toHaveLength(2);
    expect(reports.map((r) => r.level)).toEqual(['warn', 'info']);
    expect(reports[0]?.message).toMatch(/^HTTP 429; retry 1 of 3 in \d+ ms$/);
    expect(reports[1]?.data).toMatchObject({ retries: 1, requests: 2, outcome: 'answered' });
  });

  it('retries a 500 and then answers', async () => {
    const { double, llm, tracer } = await start();
    double.enqueue(reply.serverError(500), reply.serverError(503), reply.text('ok'));

    const outcome = await llm.complete('summary', llm.conversation().user('x'), { tracer });

    expect(outcome).toMatchObject({ status: 'answered', value: 'ok', retries: 2 });
    expect(double.requests).toHaveLength(3);
  });

  it('gives up on a persistent 500 after the configured retries with LLM_FAILED', async () => {
    const { double, llm, tracer, reports } = await start({ maxRetries: 2 });
    double.enqueue(reply.serverError(), reply.serverError(), reply.serverError(), reply.text('never sent'));

    const call = llm.complete('summary', llm.conversation().user('x'), { tracer });

    await expect(call).rejects.toMatchObject({ code: 'LLM_FAILED', details: { client: 'double', status: 500 } });
    expect(double.requests).toHaveLength(3);
    expect(reports.at(-1)).toMatchObject({ level: 'error', data: { outcome: 'LLM_FAILED', retries: 2, requests: 3 } });
  });

  it('does not retry a 400 bad request', async () => {
    const { double, llm, tracer, reports } = await start();
    double.enqueue(reply.badRequest('model does not support images'), reply.text('never sent'));

    const call = llm.complete('caption', llm.conversation().user('x'), { tracer });

    await expect(call).rejects.toMatchObject({ code: 'LLM_FAILED', message: 'caption via double failed (HTTP 400)', details: { status: 400, task: 'caption' } });
    expect(double.requests).toHaveLength(1);
    // The provider's own words reach the trace only.
    expect(reports.at(-1)?.data).toMatchObject({ retries: 0, outcome: 'LLM_FAILED', providerDetail: expect.stringContaining('model does not support images') });
  });

  it('retries a request that runs past the client timeout', async () => {
    const { double, llm, tracer, reports } = await start({ client: { timeoutMs: 200 } });
    double.enqueue(reply.slow(3_000, 'too late'), reply.text('in time'));

    const outcome = await llm.complete('translation', llm.conversation().user('x'), { tracer });

    expect(outcome).toMatchObject({ status: 'answered', value: 'in time', retries: 1 });
    expect(double.requests).toHaveLength(2);
    expect(reports[0]?.message).toMatch(/^request timed out; retry 1 of 3/);
  });

  it('names the timeout when every attempt runs past it', async () => {
    const { double, llm, tracer } = await start({ client: { timeoutMs: 150 }, maxRetries: 1 });
    double.enqueue(reply.slow(3_000, 'late'), reply.slow(3_000, 'late'));

    const call = llm.complete('translation', llm.conversation().user('x'), { tracer });

    await expect(call).rejects.toMatchObject({ code: 'LLM_TIMEOUT', message: 'translation via double: no complete reply within 150 ms' });
    expect(double.requests).toHaveLength(2);
  });

  it('stops retrying and reports CANCELLED when the caller aborts', async () => {
    const { double, llm, tracer } = await start({ retryBaseMs: 60_000 });
    double.enqueue(reply.serverError(), reply.text('never sent'));
    const controller = new AbortController();

    const call = llm.complete('summary', llm.conversation().user('x'), { tracer, signal: controller.signal });
    // The first attempt fails at once; abort while the interface waits out its backoff.
    while (double.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();

    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(double.requests).toHaveLength(1);
  });

  it('keeps each client within its concurrency limit (counted in flight at the double)', async () => {
    const { double, llm, tracer } = await start({ client: { maxConcurrency: 2 } });
    for (let i = 0; i < 6; i++) double.enqueue(reply.slow(150, `answer ${i}`));

    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => llm.complete('entities', llm.conversation().user(`q${i}`), { tracer })),
    );

    expect(outcomes.every((o) => o.status === 'answered')).toBe(true);
    expect(double.requests).toHaveLength(6);
    expect(double.maxInFlight).toBe(2);
  });
});

describe('retry policy', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it('retries 429, 5xx, timeouts and connection errors, not 400s', () => {
    expect(isRetryable(new RateLimitError(429, undefined, 'slow down', headers({})))).toBe(true);
    expect(isRetryable(new InternalServerError(502, undefined, 'bad gateway', headers({})))).toBe(true);
    expect(isRetryable(new APIConnectionTimeoutError())).toBe(true);
    expect(isRetryable(new APIConnectionError({ message: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryable(new BadRequestError(400, undefined, 'bad', headers({})))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(false);
  });

  it('grows exponentially with jitter between half and all of base·2^retry, capped at 30 s', () => {
    expect(backoffDelayMs(0, 500, undefined, 0)).toBe(250);
    expect(backoffDelayMs(0, 500, undefined, 1)).toBe(500);
    expect(backoffDelayMs(3, 500, undefined, 0.5)).toBe(3000);
    expect(backoffDelayMs(20, 500, undefined, 1)).toBe(30_000);
  });

  it('waits at least as long as the server asks, within the cap', () => {
    expect(backoffDelayMs(0, 500, 2_000, 0)).toBe(2_000);
    expect(backoffDelayMs(0, 500, 600_000, 0)).toBe(30_000);
    const rateLimited = (h: Record<string, string>) => new RateLimitError(429, undefined, 'x', headers(h));
    expect(retryAfterMs(rateLimited({ 'retry-after': '7' }))).toBe(7_000);
    expect(retryAfterMs(rateLimited({ 'retry-after-ms': '120', 'retry-after': '7' }))).toBe(120);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(rateLimited({ 'retry-after': 'Thu, 01 Jan 2026 00:00:04 GMT' }), now)).toBe(4_000);
    expect(retryAfterMs(rateLimited({}))).toBeUndefined();
  });
});
