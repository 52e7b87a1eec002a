import { afterEach, describe, expect, it } from 'vitest';
import { StreamMasker } from '../../src/llm/secrets.js';
import { reply } from '../support/openai-double.js';
import { setUp, type Overrides } from './fixtures.js';

const KEY = 'sk-live-0123456789abcdef';

let ctx: Awaited<ReturnType<typeof setUp>> | undefined;
const start = async (overrides?: Overrides) => (ctx = await setUp({ client: { apiKey: KEY }, ...overrides }));
afterEach(async () => {
  await ctx?.double.close();
  ctx = undefined;
});

describe('the provider’s words never reach callers; secrets are masked everywhere', () => {
  it('a 401 whose body echoes the key: the caller gets a typed error naming task and client, the trace the masked detail', async () => {
    const { double, llm, tracer, reports } = await start();
    double.enqueue(reply.error(401, `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com.`));

    const failure = await llm.complete('summary', llm.conversation().user('x'), { tracer }).catch((e: unknown) => e);

    expect(failure).toMatchObject({ code: 'LLM_FAILED', message: 'summary via double failed (HTTP 401)', details: { task: 'summary', client: 'double', status: 401 } });
    expect(JSON.stringify(failure)).not.toContain(KEY);
    expect(JSON.stringify((failure as { details: unknown }).details)).not.toMatch(/Incorrect API key/);
    const report = reports.at(-1);
    expect(report).toMatchObject({ level: 'error', data: { outcome: 'LLM_FAILED', reason: 'summary via double failed (HTTP 401)' } });
    expect(report?.message).not.toMatch(/Incorrect API key/);
    expect(report?.data?.providerDetail).toContain('Incorrect API key provided: [redacted]');
    expect(JSON.stringify(reports)).not.toContain(KEY);
  });

  it('a persistent 429 is RATE_LIMITED with the provider’s retry-after, not its message', async () => {
    const { double, llm, tracer } = await start({ maxRetries: 1 });
    double.enqueue(reply.rateLimited(0), reply.rateLimited(7));

    const call = llm.complete('entities', llm.conversation().user('x'), { tracer });

    await expect(call).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { task: 'entities', retryAfterSeconds: 7 } });
    await expect(call).rejects.not.toThrow(/Rate limit reached/);
  });

  it('a key or token in a model’s answer is masked, whole or streamed piece by piece', async () => {
    const { double, llm, tracer } = await start();
    double.enqueue(reply.text(`The key is ${KEY} and the token Bearer abcdefghijklmnop.`), reply.text(`Your key: ${KEY} ok`));

    const whole = await llm.complete('summary', llm.conversation().user('x'), { tracer });
    const stream = llm.stream('chat', llm.conversation().user('x'), { tracer });
    if (stream.status !== 'streaming') throw new Error('expected a stream');
    let streamed = '';
    for await (const token of stream.tokens) streamed += token;

    expect(whole.status === 'answered' && whole.value).toBe('The key is [redacted] and the token [redacted]');
    expect(streamed).toBe('Your key: [redacted] ok');
  });

  it('masks a key split across streamed pieces, holding back only what could be its start', () => {
    const masker = new StreamMasker([KEY]);
    const out = ['Your key: sk-li', 've-0123456', '789abcdef', ' ok, see you'].map((piece) => masker.push(piece));
    out.push(masker.flush());

    expect(out.join('')).toBe('Your key: [redacted] ok, see you');
    expect(out[0]).toBe('Your key: ');
  });
});
