import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/llm/tools.js';
import { LlmInterface, NO_LANGUAGE_MODEL } from '../../src/llm/llm-interface.js';
import { reply } from '../support/openai-double.js';
import { MODEL, settingsFor, setUp } from './fixtures.js';

let ctx: Awaited<ReturnType<typeof setUp>>;
beforeEach(async () => {
  ctx = await setUp();
});
afterEach(() => ctx.double.close());

const yearTool = (calls: string[]) =>
  defineTool({
    name: 'lookup_year',
    description: 'Converts a Chinese cyclical year to the Western calendar',
    parameters: z.object({ cyclical: z.string() }),
    run: ({ cyclical }) => {
      calls.push(cyclical);
      if (cyclical !== '乙巳') throw new Error(`unknown year ${cyclical}`);
      return { western: 1905 };
    },
  });

describe('LlmInterface.complete', () => {
  it('sends system and user messages and returns the reply with usage, appending it to the conversation', async () => {
    const { double, llm, tracer, reports } = ctx;
    double.enqueue(reply.text('Minutes of the first meeting.', { prompt_tokens: 42, completion_tokens: 7 }));
    const conversation = llm.conversation().system('You summarise.').user('總商會第一次會議');

    const outcome = await llm.complete('summary', conversation, { tracer });

    expect(outcome).toEqual({
      status: 'answered',
      value: 'Minutes of the first meeting.',
      client: 'double',
      model: MODEL,
      usage: { promptTokens: 42, completionTokens: 7 },
      retries: 0,
    });
    const sent = double.requests[0]?.body;
    expect(sent?.model).toBe(MODEL);
    expect(sent?.messages).toEqual([
      { role: 'system', content: 'You summarise.' },
      { role: 'user', content: '總商會第一次會議' },
    ]);
    expect(double.requests[0]?.headers.authorization).toBe('Bearer test-key');
    expect(conversation.messages.at(-1)).toEqual({ role: 'assistant', content: 'Minutes of the first meeting.' });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      source: 'llm.summary',
      level: 'info',
      data: { task: 'summary', client: 'double', model: MODEL, promptTokens: 42, completionTokens: 7, retries: 0, outcome: 'answered' },
    });
    expect(reports[0]?.data?.latencyMs).toEqual(expect.any(Number));
  });

  it('returns "skipped: no language model configured" for a task without a client, without any request', async () => {
    const { double, tracer, reports } = ctx;
    const llm = new LlmInterface({ ...settingsFor(double), tasks: { chat: { client: 'double', model: MODEL } } });

    const outcome = await llm.complete('translation', llm.conversation().user('譯'), { tracer });
    const streamed = llm.stream('caption', llm.conversation().user('describe'), { tracer });

    expect(outcome).toEqual({ status: 'skipped', reason: NO_LANGUAGE_MODEL });
    expect(streamed).toEqual({ status: 'skipped', reason: 'no language model configured' });
    expect(llm.isConfigured('translation')).toBe(false);
    expect(llm.isConfigured('chat')).toBe(true);
    expect(double.requests).toHaveLength(0);
    expect(reports.map((r) => r.data?.outcome)).toEqual(['skipped', 'skipped']);
    expect(reports[0]?.message).toContain('skipped: no language model configured');
  });
});

describe('tool calls', () => {
  it('runs the tool the model asks for, feeds the result back, and returns the final answer', async () => {
    const { double, llm, tracer, reports } = ctx;
    const calls: string[] = [];
    double.enqueue(reply.toolCall('lookup_year', { cyclical: '乙巳' }), reply.text('The meeting was in 1905.'));

    const conversation = llm.conversation().user('When is 乙巳?');
    const outcome = await llm.complete('chat', conversation, { tracer, tools: [yearTool(calls)] });

    expect(outcome.status === 'answered' && outcome.value).toBe('The meeting was in 1905.');
    expect(calls).toEqual(['乙巳']);
    const first = double.requests[0]?.body;
    expect(first?.tools?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'lookup_year', parameters: { type: 'object', properties: { cyclical: { type: 'string' } } } },
    });
    const second = double.requests[1]?.body.messages ?? [];
    expect(second.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'lookup_year' } }] });
    expect(second.at(-1)).toMatchObject({ role: 'tool', content: '{"western":1905}' });
    expect(reports.at(-1)?.data).toMatchObject({ toolCalls: 1, requests: 2, promptTokens: 20, completionTokens: 10 });
  });

  it('feeds tool errors, bad arguments and unknown tools back to the model as tool messages', async () => {
    const { double, llm, tracer } = ctx;
    const calls: string[] = [];
    double.enqueue(
      reply.toolCalls(
        ['lookup_year', { cyclical: '丙午' }],
        ['lookup_year', '{"cyclical": '],
        ['lookup_year', { year: 1905 }],
        ['no_such_tool', {}],
      ),
      reply.text('I could not find it.'),
    );

    const outcome = await llm.complete('chat', llm.conversation().user('When?'), {
      tracer,
      tools: [yearTool(calls)],
    });

    expect(outcome.status === 'answered' && outcome.value).toBe('I could not find it.');
    const toolMessages = (double.requests[1]?.body.messages ?? []).filter((m) => m.role === 'tool').map((m) => m.content);
    expect(toolMessages[0]).toBe('Error: lookup_year failed: unknown year 丙午');
    expect(toolMessages[1]).toMatch(/^Error: the arguments are not valid JSON/);
    expect(toolMessages[2]).toMatch(/^Error: invalid arguments for lookup_year:\ncyclical: /);
    expect(toolMessages[3]).toBe('Error: there is no such tool; available tools: lookup_year');
    expect(calls).toEqual(['丙午']);
  });

  it('gives up with LLM_FAILED when the model keeps calling tools past the bound', async () => {
    const { double, llm, tracer, reports } = ctx;
    for (let i = 0; i < 10; i++) double.enqueue(reply.toolCall('lookup_year', { cyclical: '乙巳' }));

    const call = llm.complete('chat', llm.conversation().user('Loop'), { tracer, tools: [yearTool([])] });

    await expect(call).rejects.toMatchObject({ code: 'LLM_FAILED', message: 'the model was still calling tools after 3 rounds' });
    // Three rounds of tools ran; the fourth request's tool calls were refused.
    expect(double.requests).toHaveLength(4);
    expect(reports.at(-1)).toMatchObject({ level: 'error', data: { outcome: 'LLM_FAILED', toolCalls: 3 } });
  });
});
