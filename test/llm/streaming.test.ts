import { afterEach, beforeEach, expect, it } from 'vitest';
import { reply } from '../support/openai-double.js';
import { LlmInterface } from '../../src/llm/llm-interface.js';
import { MODEL, settingsFor, setUp } from './fixtures.js';

let ctx: Awaited<ReturnType<typeof setUp>>;
beforeEach(async () => {
  ctx = await setUp();
});
afterEach(() => ctx.double.close());

it('streams the chat reply token by token over SSE and appends the whole reply to the conversation', async () => {
  const { double, llm, tracer, reports } = ctx;
  double.enqueue(reply.text('This photo shows the 2023 business forum.', { prompt_tokens: 30, completion_tokens: 9 }));
  const conversation = llm.conversation().system('You are Archivus.').user('What is in this photo?');

  const stream = llm.stream('chat', conversation, { tracer });
  if (stream.status !== 'streaming') throw new Error('expected a stream');
  const tokens: string[] = [];
  for await (const token of stream.tokens) tokens.push(token);

  expect(stream).toMatchObject({ client: 'double', model: MODEL });
  // Piece by piece (a word is let out once the next shows where it ends, so a key is never split).
  expect(tokens).toEqual(['This ', 'photo ', 'shows ', 'the ', '2023 ', 'business ', 'forum.']);
  expect(double.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  expect(conversation.messages.at(-1)).toEqual({ role: 'assistant', content: tokens.join('') });
  expect(reports.at(-1)?.data).toMatchObject({ task: 'chat', outcome: 'answered', promptTokens: 30, completionTokens: 9 });
});

it('sends nothing before the first read, and retries a 429 before the stream starts', async () => {
  const { double, llm, tracer, reports } = ctx;
  double.enqueue(reply.rateLimited(0), reply.text('Hello there'));

  const stream = llm.stream('chat', llm.conversation().user('Hi'), { tracer });
  if (stream.status !== 'streaming') throw new Error('expected a stream');
  expect(double.requests).toHaveLength(0);
  let text = '';
  for await (const token of stream.tokens) text += token;

  expect(text).toBe('Hello there');
  expect(double.requests).toHaveLength(2);
  expect(reports.at(-1)?.data).toMatchObject({ outcome: 'answered', retries: 1 });
});

it('reports a stream the reader broke off as abandoned, and frees its concurrency slot', async () => {
  const { double, tracer, reports } = ctx;
  const llm = new LlmInterface(settingsFor(double, { client: { maxConcurrency: 1 } }));
  double.enqueue(reply.text('one two three four'), reply.text('next'));

  const stream = llm.stream('chat', llm.conversation().user('Count'), { tracer });
  if (stream.status !== 'streaming') throw new Error('expected a stream');
  for await (const token of stream.tokens) {
    expect(token).toBe('one ');
    break;
  }

  expect(reports.at(-1)?.data).toMatchObject({ outcome: 'abandoned' });
  // With one slot, this call could not start if the abandoned stream still held it.
  const next = await llm.complete('chat', llm.conversation().user('Again'), { tracer });
  expect(next.status === 'answered' && next.value).toBe('next');
});
