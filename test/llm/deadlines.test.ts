import { afterEach, describe, expect, it } from 'vitest';
import { LlmInterface } from '../../src/llm/llm-interface.js';
import { reply } from '../support/openai-double.js';
import { settingsFor, setUp, type Overrides } from './fixtures.js';

let ctx: Awaited<ReturnType<typeof setUp>> | undefined;
const start = async (overrides?: Overrides) => (ctx = await setUp(overrides));
afterEach(async () => {
  await ctx?.double.close();
  ctx = undefined;
});

const waitFor = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function read(tokens: AsyncIterable<string>, into: string[]): Promise<void> {
  for await (const token of tokens) into.push(token);
}

describe('deadlines that hold once the reply has started', () => {
  it('retries a reply whose headers came in time but whose body stalls past the total deadline', async () => {
    const { double, llm, tracer, reports } = await start({ client: { timeoutMs: 300 } });
    double.enqueue(reply.stallAfterHeaders(5_000, 'too late'), reply.text('in time'));

    const outcome = await llm.complete('translation', llm.conversation().user('x'), { tracer });

    expect(outcome).toMatchObject({ status: 'answered', value: 'in time', retries: 1 });
    expect(reports[0]?.message).toMatch(/^request timed out; retry 1 of 3/);
    // The stalled request was closed, not left hanging.
    await waitFor(() => double.inFlight === 0);
  });

  it('gives up with LLM_TIMEOUT, naming the task and the deadline, when every attempt stalls', async () => {
    const { double, llm, tracer } = await start({ client: { timeoutMs: 200 }, maxRetries: 1 });
    double.enqueue(reply.stallAfterHeaders(5_000, 'late'), reply.stallAfterHeaders(5_000, 'late'));

    const call = llm.complete('summary', llm.conversation().user('x'), { tracer });

    await expect(call).rejects.toMatchObject({
      code: 'LLM_TIMEOUT',
      message: 'summary via double: no complete reply within 200 ms',
      details: { task: 'summary', client: 'double', deadline: 'total', attempts: 2 },
    });
  });

  it('retries a stream that stalls after its headers, before its first piece (idle deadline)', async () => {
    const { double, llm, tracer } = await start({ client: { idleTimeoutMs: 200 } });
    double.enqueue(reply.stallAfterHeaders(5_000, 'never'), reply.text('Hello there'));

    const stream = llm.stream('chat', llm.conversation().user('Hi'), { tracer });
    if (stream.status !== 'streaming') throw new Error('expected a stream');
    const tokens: string[] = [];
    await read(stream.tokens, tokens);

    expect(tokens.join('')).toBe('Hello there');
    expect(double.requests).toHaveLength(2);
  });

  it('ends a stream that stalls mid-way with LLM_TIMEOUT after the idle deadline, and closes the request', async () => {
    const { double, llm, tracer, reports } = await start({ client: { idleTimeoutMs: 200 } });
    double.enqueue(reply.stallMidStream(2, 10_000, 'one two three four'));

    const stream = llm.stream('chat', llm.conversation().user('Count'), { tracer });
    if (stream.status !== 'streaming') throw new Error('expected a stream');
    const tokens: string[] = [];

    await expect(read(stream.tokens, tokens)).rejects.toMatchObject({ code: 'LLM_TIMEOUT', details: { deadline: 'idle' } });
    expect(tokens.join('')).toBe('one ');
    expect(reports.at(-1)).toMatchObject({ level: 'error', data: { outcome: 'LLM_TIMEOUT', reason: 'chat via double: no data for 200 ms' } });
    await waitFor(() => double.inFlight === 0);
  });

  it('cancels the HTTP request when the caller aborts while the model is silent', async () => {
    const { double, llm, tracer } = await start();
    double.enqueue(reply.stallAfterHeaders(10_000, 'never'));
    const controller = new AbortController();

    const stream = llm.stream('chat', llm.conversation().user('Hi'), { tracer, signal: controller.signal });
    if (stream.status !== 'streaming') throw new Error('expected a stream');
    const reading = read(stream.tokens, []);
    await waitFor(() => double.inFlight === 1);
    controller.abort();

    await expect(reading).rejects.toMatchObject({ code: 'CANCELLED' });
    await waitFor(() => double.inFlight === 0);
  });
});

describe('concurrency pools', () => {
  it('keeps Archivus in a pool of its own: stalled chats do not hold the pipeline back', async () => {
    const { double, tracer } = await start();
    // Long deadlines and no retries: a shared pool would hold the caption until the test times out.
    const llm = new LlmInterface(settingsFor(double, { client: { maxConcurrency: 1, chatConcurrency: 1, timeoutMs: 60_000, idleTimeoutMs: 60_000 }, maxRetries: 0 }));
    double.enqueue(reply.stallAfterHeaders(10_000, 'never'));
    const controller = new AbortController();
    const chat = llm.stream('chat', llm.conversation().user('Hi'), { tracer, signal: controller.signal });
    if (chat.status !== 'streaming') throw new Error('expected a stream');
    const chatting = read(chat.tokens, []).catch(() => undefined);
    await waitFor(() => double.inFlight === 1);

    double.enqueue(reply.text('A caption.'));
    const caption = await llm.complete('caption', llm.conversation().user('Caption it'), { tracer });

    expect(caption).toMatchObject({ status: 'answered', value: 'A caption.' });
    // The chat is still waiting on its silent model, slot held.
    expect(double.inFlight).toBe(1);
    controller.abort();
    await chatting;
  });
});

describe('authentication header', () => {
  it('sends the key as a bearer token, and no Authorization header at all without a key', async () => {
    const { double, tracer } = await start();
    double.enqueue(reply.text('with key'), reply.text('without key'));
    const keyed = new LlmInterface(settingsFor(double));
    const keyless = new LlmInterface(settingsFor(double, { client: { apiKey: undefined } }));

    await keyed.complete('summary', keyed.conversation().user('x'), { tracer });
    await keyless.complete('summary', keyless.conversation().user('x'), { tracer });

    expect(double.requests[0]?.headers.authorization).toBe('Bearer test-key');
    expect(double.requests[1]?.headers.authorization).toBeUndefined();
  });
});
