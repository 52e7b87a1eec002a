import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { LlmInterface } from '../../src/llm/llm-interface.js';
import { askArchivus, archivusPrompt, MAX_HISTORY_TURNS } from '../../src/llm/stages/archivus.js';
import { captionPhoto } from '../../src/llm/stages/caption.js';
import { categorise } from '../../src/llm/stages/categorise.js';
import { extractEntities } from '../../src/llm/stages/entities.js';
import { correctOcr } from '../../src/llm/stages/ocr-correction.js';
import { summarise } from '../../src/llm/stages/summary.js';
import { translateToEnglish } from '../../src/llm/stages/translation.js';
import { reply } from '../support/openai-double.js';
import { settingsFor, setUp } from './fixtures.js';
import { SAMPLES_DIR as samples } from '../support/samples.js';


let ctx: Awaited<ReturnType<typeof setUp>>;
beforeEach(async () => {
  ctx = await setUp();
});
afterEach(() => ctx.double.close());

const lastUserText = (i: number) => {
  const content = ctx.double.requests[i]?.body.messages.filter((m) => m.role === 'user').at(-1)?.content;
  return typeof content === 'string' ? content : '';
};

describe('language stages', () => {
  it('correctOcr sends the page image with the OCR text and reports whether anything changed', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.text('```\n總商會第一次會議\n```'), reply.text('總商會第一次會議'));
    const input = { image: path.join(samples, 'minutes-page.jpg'), text: '總商曾第一次會義' };

    const fixed = await correctOcr(llm, input, { tracer });
    const unchanged = await correctOcr(llm, { ...input, text: '總商會第一次會議' }, { tracer });

    expect(fixed.status === 'answered' && fixed.value).toEqual({ text: '總商會第一次會議', corrected: true });
    expect(unchanged.status === 'answered' && unchanged.value).toEqual({ text: '總商會第一次會議', corrected: false });
    const content = double.requests[0]?.body.messages[1]?.content as ChatCompletionContentPart[];
    expect(content[0]).toEqual({ type: 'text', text: 'Transcription to correct:\n<data label="transcription">\n總商曾第一次會義\n</data>' });
    expect(content[1]?.type === 'image_url' && content[1].image_url.url).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('translateToEnglish and summarise return the cleaned reply; an empty reply, every time, is LLM_INVALID_ANSWER', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.text('  The first meeting of the Chamber.\n'), reply.text('The Chamber met.'), reply.text('   '), reply.empty(), reply.text(' '));

    expect(await translateToEnglish(llm, '總商會第一次會議', { tracer })).toMatchObject({ value: 'The first meeting of the Chamber.' });
    expect(await summarise(llm, 'The first meeting of the Chamber.', { tracer })).toMatchObject({ value: 'The Chamber met.' });
    await expect(summarise(llm, 'x', { tracer })).rejects.toMatchObject({ code: 'LLM_INVALID_ANSWER' });
    expect(double.requests).toHaveLength(5);
    expect(lastUserText(0)).toBe('<data label="text to translate">\n總商會第一次會議\n</data>');
  });

  it('extractEntities keeps only entities found in the text, once each', async () => {
    const { double, llm, tracer } = ctx;
    const english = 'In 1906 Wu Shou-chen chaired the meeting of the Chamber in Singapore.';
    double.enqueue(
      reply.json({
        entities: [
          { text: 'Wu Shou-chen', label: 'PERSON' },
          { text: 'Singapore', label: 'LOCATION' },
          { text: 'singapore', label: 'LOCATION' },
          { text: 'Penang', label: 'LOCATION' },
          { text: '1906', label: 'DATE' },
        ],
      }),
    );

    const outcome = await extractEntities(llm, english, { tracer });

    expect(outcome.status === 'answered' && outcome.value).toEqual([
      { text: 'Wu Shou-chen', label: 'PERSON' },
      { text: 'Singapore', label: 'LOCATION' },
      { text: '1906', label: 'DATE' },
    ]);
  });

  it('captionPhoto improves a draft caption from the image, and skips without touching the image when unconfigured', async () => {
    const { double, llm, tracer, reports } = ctx;
    double.enqueue(reply.text('Five panellists seated on a stage at a 2023 business forum.'));

    const outcome = await captionPhoto(llm, { image: path.join(samples, 'panel-photo.png'), draft: 'people sitting on a stage' }, { tracer });

    expect(outcome.status === 'answered' && outcome.value).toBe('Five panellists seated on a stage at a 2023 business forum.');
    const content = double.requests[0]?.body.messages[1]?.content as ChatCompletionContentPart[];
    expect(content[0]?.type === 'text' && content[0].text).toContain('<data label="draft caption">\npeople sitting on a stage\n</data>');
    expect(content[1]?.type === 'image_url' && content[1].image_url.url).toMatch(/^data:image\/png;base64,/);

    const unconfigured = new LlmInterface({ ...settingsFor(double), tasks: {} });
    const skipped = await captionPhoto(unconfigured, { image: path.join(samples, 'no-such-file.png') }, { tracer });
    expect(skipped).toEqual({ status: 'skipped', reason: 'no language model configured' });
    expect(reports.at(-1)?.message).toBe('caption skipped: no language model configured');
  });

  it('categorise sends back an unknown category name, then accepts an existing one', async () => {
    const { double, llm, tracer } = ctx;
    const categories = [
      { name: 'Business forums', description: 'Panels and talks' },
      { name: 'Conventions', description: 'Large gatherings of members' },
    ];
    double.enqueue(
      reply.json({ decision: 'existing', category: 'Forums', reason: 'A panel' }),
      reply.json({ decision: 'new', name: 'conventions', description: 'x', reason: 'y' }),
      reply.json({ decision: 'existing', category: 'Business forums', revisedDescription: 'Panels, talks and forums', reason: 'A panel on stage' }),
    );
    const artefact = { name: 'panel-photo', caption: 'Five people on a stage at a business forum', additionalInfo: null };

    const outcome = await categorise(llm, artefact, categories, { tracer });

    expect(outcome.status === 'answered' && outcome.value).toEqual({
      decision: 'existing',
      category: 'Business forums',
      revisedDescription: 'Panels, talks and forums',
      reason: 'A panel on stage',
    });
    expect(double.requests[0]?.body.messages[1]?.content).toContain('- Business forums: Panels and talks\n- Conventions: Large gatherings of members');
    expect(lastUserText(1)).toContain('category: must be exactly one of the existing names: Business forums; Conventions');
    expect(lastUserText(2)).toContain('name: a category with this name exists');
  });

  it('askArchivus streams a reply with the facts in labelled data blocks and only recent history', async () => {
    const { double, llm, tracer } = ctx;
    double.enqueue(reply.text('It records the first meeting of the Chamber.'));
    const history = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${i}` }));

    const stream = askArchivus(
      llm,
      { kind: 'MM', name: 'Minutes 1906, page 1', facts: { Summary: 'The first meeting.', English: null }, history, message: 'What is this?' },
      { tracer },
    );
    if (stream.status !== 'streaming') throw new Error('expected a stream');
    let text = '';
    for await (const token of stream.tokens) text += token;

    expect(text).toBe('It records the first meeting of the Chamber.');
    const messages = double.requests[0]?.body.messages ?? [];
    expect(messages).toHaveLength(1 + MAX_HISTORY_TURNS + 1);
    expect(messages[1]).toEqual({ role: 'user', content: 'turn 10' });
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'What is this?' });
    const system = String(messages[0]?.content);
    expect(system).toContain('<data label="Summary">\nThe first meeting.\n</data>');
    expect(system).not.toContain('English');
    expect(archivusPrompt({ kind: 'HF', name: 'x', facts: {} })).toContain('Nothing more is recorded about it.');
  });
});
