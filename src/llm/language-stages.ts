import type { LlmInterface, LlmOutcome } from '../llm/llm-interface.js';
import { captionPhoto } from '../llm/stages/caption.js';
import { extractEntities, type Entity } from '../llm/stages/entities.js';
import { correctOcr } from '../llm/stages/ocr-correction.js';
import { summarise } from '../llm/stages/summary.js';
import { translateToEnglish } from '../llm/stages/translation.js';
import type { OcrPage } from '../ocr/types.js';
import { offlineEntities } from '../pipelines/language/offline-entities.js';
import type { Artefact, FieldVersion, FieldWrite, MetadataField } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { Tracer } from '../tracing/tracer.js';

// Characters below this confidence are offered to the correcting model with their alternatives.
const UNSURE_BELOW = 0.6;

export interface StoredEntity extends Entity {
  /** Where it was found: the English translation or the Chinese text, by a model or offline. */
  source: 'llm-en' | 'llm-zh' | 'offline-en';
}

const answered = <T>(o: LlmOutcome<T>): o is Extract<LlmOutcome<T>, { status: 'answered' }> => o.status === 'answered';

/**
 * The language steps after the ONNX pipelines, each through the LLM interface and each skipped (and
 * traced as "skipped: no language model configured") when no model is routed to it. Minutes:
 * OCR correction against the image (the OCR reading stays as `ocrTranscription`), English
 * translation, summary and named entities (from the model in English and Chinese, and offline
 * from the English). Photos: a caption from the image and what was found.
 */
export class LanguageStages {
  constructor(
    private readonly store: Store,
    private readonly llm: LlmInterface,
  ) {}

  async run(artefact: Artefact, tracer: Tracer, signal: AbortSignal): Promise<void> {
    if (artefact.kind === 'MM') await this.minutes(artefact, tracer, signal);
    else if (artefact.kind === 'HF') await this.photo(artefact, tracer, signal);
  }

  private current(artefactId: string): Map<MetadataField, FieldVersion> {
    return new Map(this.store.artefacts.currentFields([artefactId]).map((f) => [f.field, f]));
  }

  private write(artefactId: string, field: MetadataField, value: string, step: string, model: string): void {
    const w: FieldWrite = { field, value, origin: 'MACHINE', step, model };
    this.store.artefacts.writeFields(artefactId, [w]);
  }

  private async minutes(artefact: Artefact, tracer: Tracer, signal: AbortSignal): Promise<void> {
    const fields = this.current(artefact.id);
    const ocr = fields.get('ocrTranscription')?.value ?? '';
    if (ocr.trim() === '') {
      tracer.report({ source: 'language', message: 'No text was read: the language steps have nothing to work on' });
      return;
    }
    const options = { tracer, signal };
    const image = await this.store.files.read(artefact.fileSha256);
    const correction = await correctOcr(this.llm, { image, text: ocr, uncertain: uncertainCharacters(fields.get('ocrLayout')?.value) }, options);
    // A person's transcription is never replaced by a model's.
    if (answered(correction) && fields.get('transcription')?.origin !== 'HUMAN') {
      this.write(artefact.id, 'transcription', correction.value.text, 'llm.ocr_correction', correction.model);
    }
    const chinese = this.current(artefact.id).get('transcription')?.value ?? ocr;

    const translation = await translateToEnglish(this.llm, chinese, options);
    if (answered(translation)) this.write(artefact.id, 'translation', translation.value, 'llm.translation', translation.model);
    const english = this.current(artefact.id).get('translation')?.value ?? null;

    if (english !== null) {
      const summary = await summarise(this.llm, english, options);
      if (answered(summary)) this.write(artefact.id, 'summary', summary.value, 'llm.summary', summary.model);
    }

    const entities: StoredEntity[] = [];
    const models: string[] = [];
    if (english !== null) {
      const fromEnglish = await extractEntities(this.llm, english, options);
      if (answered(fromEnglish)) {
        entities.push(...fromEnglish.value.map((e) => ({ ...e, source: 'llm-en' as const })));
        models.push(fromEnglish.model);
      }
      entities.push(...offlineEntities(english).map((e) => ({ ...e, source: 'offline-en' as const })));
      models.push('compromise');
    }
    const fromChinese = await extractEntities(this.llm, chinese, options);
    if (answered(fromChinese)) {
      entities.push(...fromChinese.value.map((e) => ({ ...e, source: 'llm-zh' as const })));
      models.push(fromChinese.model);
    }
    if (entities.length > 0) this.write(artefact.id, 'entities', JSON.stringify(mergeEntities(entities)), 'entities', [...new Set(models)].join('+'));
    tracer.report({ source: 'language.entities', message: `${entities.length} entities`, data: { models } });
  }

  private async photo(artefact: Artefact, tracer: Tracer, signal: AbortSignal): Promise<void> {
    const fields = this.current(artefact.id);
    if (fields.get('caption')?.origin === 'HUMAN') return;
    const image = await this.store.files.read(artefact.fileSha256);
    const draft = fields.get('description')?.value ?? undefined;
    const caption = await captionPhoto(this.llm, { image, ...(draft === undefined ? {} : { draft }) }, { tracer, signal });
    if (answered(caption)) this.write(artefact.id, 'caption', caption.value, 'llm.caption', caption.model);
  }
}

/** Low-confidence characters of a stored OCR layout, with the other candidates the OCR weighed. */
function uncertainCharacters(layoutJson: string | null | undefined) {
  if (!layoutJson) return [];
  const page = JSON.parse(layoutJson) as Pick<OcrPage, 'lines'>;
  return page.lines.flatMap((line, l) =>
    line.chars
      .map((c, i) => ({ line: l, position: i, char: c.char, confidence: c.confidence, alternatives: c.candidates.map((k) => k.char).filter((k) => k !== c.char).slice(0, 4) }))
      .filter((c) => c.confidence < UNSURE_BELOW && c.alternatives.length > 0)
      .map(({ confidence: _confidence, ...c }) => c),
  );
}

/** One entry per (label, text), case-insensitively; the first source that found it is kept. */
export function mergeEntities(entities: readonly StoredEntity[]): StoredEntity[] {
  const seen = new Map<string, StoredEntity>();
  for (const e of entities) {
    const key = `${e.label}:${e.text.toLowerCase()}`;
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()];
}
