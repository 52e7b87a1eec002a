import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonAnswer } from '../../src/llm/json-answer.js';
import { reply } from '../support/openai-double.js';
import { setUp } from './fixtures.js';

let ctx: Awaited<ReturnType<typeof setUp>>;
beforeEach(async () => {
  ctx = await setUp();
});
afterEach(() => ctx.double.close());

const Category = z.object({
  category: z.string().min(1),
  isNew: z.boolean(),
  reason: z.string().min(1),
});

const userTexts = (messages: ReadonlyArray<{ role: string; content?: unknown }>) =>
  messages.filter((m) => m.role === 'user').map((m) => String(m.content));

describe('LlmInterface.completeJson', () => {
  it('returns a valid answer, having sent the JSON Schema of the expected shape', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.json({ category: 'Business forums', isNew: false, reason: 'A panel on a stage' }));

    const outcome = await llm.completeJson('categorise', llm.conversation().user('Categorise this photo.'), Category, { tracer });

    expect(outcome).toMatchObject({
      status: 'answered',
      value: { category: 'Business forums', isNew: false, reason: 'A panel on a stage' },
      retries: 0,
    });
    const instruction = userTexts(double.requests[0]?.body.messages ?? []).at(-1) ?? '';
    expect(instruction).toMatch(/^Reply with only one JSON object/);
    expect(JSON.parse(instruction.slice(instruction.indexOf('{')))).toMatchObject({
      type: 'object',
      required: ['category', 'isNew', 'reason'],
    });
  });

  it('feeds malformed JSON and a schema violation back to the model until the answer is fixed', async () => {
    const { double, llm, tracer, reports } = ctx;
    double.enqueue(
      reply.text('{"category": "Business forums", '),
      reply.json({ category: 'Business forums', isNew: 'no' }),
      reply.text('```json\n{"category": "Business forums", "isNew": false, "reason": "A panel"}\n```'),
    );

    const outcome = await llm.completeJson('categorise', llm.conversation().user('Categorise.'), Category, { tracer });

    expect(outcome.status === 'answered' && outcome.value.reason).toBe('A panel');
    expect(double.requests).toHaveLength(3);
    const second = userTexts(double.requests[1]?.body.messages ?? []).at(-1);
    expect(second).toMatch(/^Your answer was not accepted:\nit is not valid JSON/);
    const third = userTexts(double.requests[2]?.body.messages ?? []).at(-1);
    expect(third).toContain('isNew: Invalid input: expected boolean, received string');
    expect(third).toContain('reason: Invalid input: expected string, received undefined');
    // The rejected answers stay in the history the model sees.
    expect(double.requests[2]?.body.messages.filter((m) => m.role === 'assistant')).toHaveLength(2);
    expect(reports.at(-1)?.data).toMatchObject({ outcome: 'answered', requests: 3, retries: 0 });
  });

  it('gives up with LLM_INVALID_ANSWER after the configured attempts', async () => {
    const { double, llm, tracer, reports } = ctx;
    for (let i = 0; i < 5; i++) double.enqueue(reply.json({ category: '', isNew: false, reason: 'x' }));

    const call = llm.completeJson('categorise', llm.conversation().user('Categorise.'), Category, { tracer });

    await expect(call).rejects.toMatchObject({
      code: 'LLM_INVALID_ANSWER',
      message: 'categorise via double: no acceptable answer after 3 attempts',
      details: { attempts: 3, task: 'categorise', client: 'double' },
    });
    expect(double.requests).toHaveLength(3);
    // The problem and the model's words are for the trace, not for the caller.
    expect(reports.at(-1)).toMatchObject({ level: 'error', data: { outcome: 'LLM_INVALID_ANSWER', providerDetail: expect.stringMatching(/category: Too small/) } });
  });
});

describe('parseJsonAnswer', () => {
  it('accepts JSON inside a sentence, and rejects text without JSON', () => {
    const Year = z.object({ year: z.number().int() });
    expect(parseJsonAnswer('Sure! {"year": 1905} Hope this helps.', Year)).toEqual({ ok: true, value: { year: 1905 } });
    expect(parseJsonAnswer('The year is 1905.', Year)).toMatchObject({ ok: false, problem: expect.stringMatching(/^it is not valid JSON/) });
    expect(parseJsonAnswer('{"year": 1905.5}', Year)).toMatchObject({ ok: false, problem: expect.stringMatching(/^year: /) });
  });
});
