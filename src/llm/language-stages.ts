import type { OcrPage } from '../ocr/types.js';
import { mergeEntities, offlineEnglishEntities, type StoredEntity } from '../pipelines/language/entities.js';
import type { ArtefactFields } from '../services/artefact-fields.js';
import type { Artefact, MetadataField } from '../store/repositories/artefacts.js';
import type { FileStore } from '../store/files.js';
import type { Tracer } from '../tracing/tracer.js';
import type { LlmInterface, LlmOutcome } from './llm-interface.js';
import { captionPhoto } from './stages/caption.js';
import { extractEntities } from './stages/entities.js';
import { correctOcr } from './stages/ocr-correction.js';
import { summarise } from './stages/summary.js';
import { translateToEnglish } from './stages/translation.js';

// Characters below this confidence are offered to the correcting model with their alternatives.
const DOUBTFUL_CHAR_BELOW = 0.6;

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
    private readonly files: FileStore,
    private readonly fields: ArtefactFields,
    private readonly llm: LlmInterface,
  ) {}

  async run(artefact: Artefact, tracer: Tracer, signal: AbortSignal): Promise<void> {
    if (artefact.kind === 'MM') await this.minutes(artefact, tracer, signal);
    else if (artefact.kind === 'HF') await this.photo(artefact, tracer, signal);
  }

  private current(artefactId: string) {
    return this.fields.current(artefactId);
  }

  /** A machine version; a person's current value stays current (see ArtefactFields). */
  private write(artefactId: string, field: MetadataField, value: string, step: string, model: string): void {
    this.fields.write(artefactId, [{ field, value, origin: 'MACHINE', step, model }]);
  }

  private async minutes(artefact: Artefact, tracer: Tracer, signal: AbortSignal): Promise<void> {
    const fields = this.current(artefact.id);
    const ocr = fields.get('ocrTranscription')?.value ?? '';
    if (ocr.trim() === '') {
      tracer.report({ source: 'language', message: 'No text was read: the language steps have nothing to work on' });
      return;
    }
    const options = { tracer, signal };
    const image = await this.files.read(artefact.fileSha256);
    const correction = await correctOcr(this.llm, { image, text: ocr, uncertain: uncertainCharacters(fields.get('ocrLayout')?.value) }, options);
    if (answered(correction)) {
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
      entities.push(...offlineEnglishEntities(english));
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
    const image = await this.files.read(artefact.fileSha256);
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
      .filter((c) => c.confidence < DOUBTFUL_CHAR_BELOW && c.alternatives.length > 0)
      .map(({ confidence: _confidence, ...c }) => c),
  );
}
