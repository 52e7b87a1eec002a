import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmInterface } from '../../src/llm/llm-interface.js';
import { parseLlmEnv, type LlmSettings } from '../../src/llm/settings.js';
import { LanguageStages } from '../../src/llm/language-stages.js';
import { ArtefactFields } from '../../src/services/artefact-fields.js';
import type { ArtefactKind } from '../../src/artefact-kind.js';
import { Store } from '../../src/store/store.js';
import { collectingTracer } from '../../src/tracing/tracer.js';
import { reply, startOpenAiDouble, type OpenAiDouble } from '../support/openai-double.js';

const OCR = '新嘉坡中華商務總會事簿\n去冬張弼士太僕奉';
const LAYOUT = {
  lines: [
    { chars: [...'新嘉坡中華商務總會事簿'].map((char, i) => ({ char, confidence: i === 9 ? 0.3 : 0.9, candidates: [{ char }, { char: i === 9 ? '議' : char }] })) },
    { chars: [...'去冬張弼士太僕奉'].map((char) => ({ char, confidence: 0.9, candidates: [{ char }] })) },
  ],
};

describe('language stages after the ONNX pipelines', () => {
  let dir: string;
  let store: Store;
  let double: OpenAiDouble;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'archaive-lang-'));
    store = new Store(dir, { maxBytes: 1e8, maxPixels: 1e9 });
    double = await startOpenAiDouble();
  });
  afterEach(async () => {
    store.close();
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings = (tasks: string[]): LlmSettings => {
    const env: Record<string, string> = { LLM_CLIENTS: 'double', LLM_DOUBLE_BASE_URL: double.baseUrl, LLM_MAX_RETRIES: '0' };
    for (const t of tasks) env[`LLM_TASK_${t}`] = `double:model-${t.toLowerCase()}`;
    const parsed = parseLlmEnv(env);
    if (parsed instanceof Error) throw parsed;
    return parsed;
  };

  async function artefact(kind: ArtefactKind, fields: Record<string, string>) {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 190, b: 170 } } }).png().toBuffer();
    const file = await store.files.putImage(png);
    const a = store.artefacts.create({ name: 'page', originalFilename: null, fileSha256: file.sha256, kind, kindSource: 'CLASSIFIER', createdBy: null });
    store.artefacts.writeFields(
      a.id,
      Object.entries(fields).map(([field, value]) => ({ field: field as never, value, origin: 'MACHINE' as const, step: 'ocr', model: 'pp-ocrv4' })),
    );
    return a;
  }

  const stagesWith = (llm: LlmInterface) => new LanguageStages(store.files, new ArtefactFields(store), store.stepFailures, llm);
  const current = (id: string) => new Map(store.artefacts.currentFields([id]).map((f) => [f.field, f]));

  it('corrects, translates, summarises and finds entities in a minutes page, keeping the OCR reading', async () => {
    const a = await artefact('MM', { ocrTranscription: OCR, transcription: OCR, ocrLayout: JSON.stringify(LAYOUT) });
    double.enqueue(
      reply.text('新嘉坡中華商務總會議事簿\n去冬張弼士太僕奉'),
      reply.text('Minute book of the Singapore Chinese Chamber of Commerce. Last winter, Chang Pi-shih came to Singapore.'),
      reply.text('The opening page of the Chamber minute book.'),
      reply.json({ entities: [{ text: 'Singapore Chinese Chamber of Commerce', label: 'ORGANIZATION' }, { text: 'Chang Pi-shih', label: 'PERSON' }] }),
      reply.json({ entities: [{ text: '張弼士', label: 'PERSON' }, { text: '不在文中', label: 'PERSON' }] }),
    );
    const { tracer } = collectingTracer();
    await stagesWith(new LlmInterface(settings(['OCR_CORRECTION', 'TRANSLATION', 'SUMMARY', 'ENTITIES']))).run(a, tracer, new AbortController().signal);

    const f = current(a.id);
    expect(f.get('ocrTranscription')?.value).toBe(OCR);
    expect(f.get('transcription')).toMatchObject({ value: '新嘉坡中華商務總會議事簿\n去冬張弼士太僕奉', origin: 'MACHINE', step: 'llm.ocr_correction', model: 'model-ocr_correction' });
    expect(f.get('translation')?.value).toMatch(/^Minute book/);
    expect(f.get('summary')?.value).toBe('The opening page of the Chamber minute book.');
    const entities = JSON.parse(f.get('entities')?.value ?? '[]') as { text: string; label: string; source: string }[];
    expect(entities).toContainEqual({ text: 'Chang Pi-shih', label: 'PERSON', source: 'llm-en' });
    expect(entities).toContainEqual({ text: '張弼士', label: 'PERSON', source: 'llm-zh' });
    expect(entities.some((e) => e.source === 'offline-en' && e.label === 'LOCATION')).toBe(true);
    expect(entities.some((e) => e.text === '不在文中')).toBe(false);
    expect(store.artefacts.fieldHistory(a.id, 'transcription').map((v) => v.step)).toEqual(['ocr', 'llm.ocr_correction']);

    // The correction request carried the page image and the OCR's doubts with their alternatives.
    const correction = JSON.stringify(double.requests[0]?.body.messages);
    expect(correction).toContain('data:image/png;base64,');
    expect(correction).toContain('character 10: read \\"事\\", could be \\"議\\"');
  });

  it('writes a caption for a photo from the image and the factual description', async () => {
    const a = await artefact('HF', { description: 'Event photograph with 5 people (faces detected).' });
    double.enqueue(reply.text('Five speakers on a forum stage under a sponsor banner.'));
    const { tracer } = collectingTracer();
    await stagesWith(new LlmInterface(settings(['CAPTION']))).run(a, tracer, new AbortController().signal);
    expect(current(a.id).get('caption')).toMatchObject({ value: 'Five speakers on a forum stage under a sponsor banner.', step: 'llm.caption' });
    expect(JSON.stringify(double.requests[0]?.body.messages)).toContain('5 people');
  });

  it('skips every step without a language model, says so in the trace, and invents nothing', async () => {
    const page = await artefact('MM', { ocrTranscription: OCR, transcription: OCR });
    const photo = await artefact('HF', { description: 'Event photograph with no detected faces.' });
    const { tracer, reports } = collectingTracer();
    const stages = stagesWith(new LlmInterface(settings([])));
    await stages.run(page, tracer, new AbortController().signal);
    await stages.run(photo, tracer, new AbortController().signal);
    expect(double.requests).toHaveLength(0);
    const skipped = reports.filter((r) => r.message.includes('skipped: no language model configured')).map((r) => r.source);
    expect(skipped).toEqual(['llm.ocr_correction', 'llm.translation', 'llm.entities', 'llm.caption']);
    expect(current(page.id).get('transcription')?.step).toBe('ocr');
    expect(current(page.id).has('translation')).toBe(false);
    expect(current(photo.id).has('caption')).toBe(false);
  });
});
