import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmInterface, LlmOutcome } from '../../src/llm/llm-interface.js';
import { captionPhoto } from '../../src/llm/stages/caption.js';
import { correctOcr } from '../../src/llm/stages/ocr-correction.js';
import { summarise } from '../../src/llm/stages/summary.js';
import { translateToEnglish } from '../../src/llm/stages/translation.js';
import type { Tracer } from '../../src/tracing/tracer.js';
import { reply } from '../support/openai-double.js';
import { setUp } from './fixtures.js';

interface Case {
  task: 'ocr_correction' | 'translation' | 'summary' | 'caption';
  why?: string;
  answer: string;
  cleaned?: string;
}
const fixtures = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/llm/answers.json'), 'utf8')) as {
  sources: { page: string; english: string };
  bad: Case[];
  cleaned: Case[];
  good: Case[];
};
const { page, english } = fixtures.sources;
// An answer longer than the page it summarises.
const answerOf = (c: Case) => (c.answer === 'REPEAT' ? Array.from({ length: 6 }, () => english).join(' ') : c.answer);

let ctx: Awaited<ReturnType<typeof setUp>>;
let image: Buffer;
beforeAll(async () => {
  ctx = await setUp({ maxAnswerAttempts: 2 });
  image = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 190, b: 170 } } }).png().toBuffer();
});
afterAll(() => ctx.double.close());

/** Runs the task's stage as the pipeline does; the answer as it would be stored. */
async function stage(llm: LlmInterface, task: Case['task'], tracer: Tracer): Promise<string | null> {
  const outcome: LlmOutcome<string> =
    task === 'ocr_correction'
      ? await correctOcr(llm, { image, text: page }, { tracer }).then((o) => (o.status === 'answered' ? { ...o, value: o.value.text } : o))
      : task === 'translation'
        ? await translateToEnglish(llm, page, { tracer })
        : task === 'summary'
          ? await summarise(llm, english, { tracer })
          : await captionPhoto(llm, { image }, { tracer });
  return outcome.status === 'answered' ? outcome.value : null;
}

const GOOD: Record<Case['task'], string> = {
  ocr_correction: page,
  translation: 'The first meeting of the Chamber of Commerce. Last winter, Chang Pi-shih came by imperial order.',
  summary: 'The Chamber held its first meeting.',
  caption: 'Five panellists on a stage at a business forum.',
};

describe('answer checks, measured on answers kept as fixtures', () => {
  it('refuses every bad answer and asks again with the reason, then stores the good one', async () => {
    const { double, llm, tracer } = ctx;
    const missed: string[] = [];
    for (const c of fixtures.bad) {
      const before = double.requests.length;
      double.enqueue(reply.text(answerOf(c)), reply.text(GOOD[c.task]));
      const stored = await stage(llm, c.task, tracer);
      // A refused answer costs a second request, whose last user turn says why.
      const asked = double.requests.length - before;
      if (stored !== GOOD[c.task] || asked !== 2) missed.push(`${c.task}: ${c.why ?? ''}`);
      else expect(String(double.requests.at(-1)?.body.messages.at(-1)?.content)).toMatch(/^Your answer was not accepted: /);
    }
    console.log(`answer checks: ${fixtures.bad.length - missed.length} of ${fixtures.bad.length} bad answers refused`);
    expect(missed).toEqual([]);
  });

  it('strips chatter and fences, and accepts good answers as they are', async () => {
    const { double, llm, tracer } = ctx;
    for (const c of [...fixtures.cleaned, ...fixtures.good]) {
      const before = double.requests.length;
      double.enqueue(reply.text(c.answer));
      expect({ why: c.why ?? c.answer, stored: await stage(llm, c.task, tracer) }).toEqual({ why: c.why ?? c.answer, stored: c.cleaned ?? c.answer });
      expect(double.requests.length - before).toBe(1);
    }
    console.log(`answer checks: ${fixtures.cleaned.length} chatty answers cleaned, ${fixtures.good.length} good answers kept`);
  });

  it('treats an OpenAI refusal as an invalid answer: retried, then LLM_INVALID_ANSWER without the refusal text', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.refusal(), reply.refusal("I'm sorry, I won't translate this."));

    const call = translateToEnglish(llm, page, { tracer });

    await expect(call).rejects.toMatchObject({ code: 'LLM_INVALID_ANSWER', message: 'translation via double: no acceptable answer after 2 attempts' });
    await expect(call).rejects.not.toThrow(/sorry/i);
  });
});
