import { isAppError, type AppError } from '../errors.js';
import { LANGUAGE_STEPS, type LanguageStep } from '../jobs/steps.js';
import type { OcrPage } from '../ocr/types.js';
import { mergeEntities, offlineEnglishEntities, type StoredEntity } from '../pipelines/language/entities.js';
import type { ArtefactFields } from '../services/artefact-fields.js';
import type { Artefact, MetadataField } from '../store/repositories/artefacts.js';
import type { StepFailure, StepFailureRepository } from '../store/repositories/step-failures.js';
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

const EVERY_LANGUAGE_STEP: ReadonlySet<LanguageStep> = new Set(LANGUAGE_STEPS);

const answered = <T>(o: LlmOutcome<T>): o is Extract<LlmOutcome<T>, { status: 'answered' }> => o.status === 'answered';

/** A step's failure as the caller may see it: the typed error's code and message, which never hold the provider's words. */
const asFailure = (artefactId: string, step: LanguageStep, error: AppError): StepFailure => ({
  artefactId,
  step,
  code: error.code,
  message: error.message,
  attempts: typeof error.details?.attempts === 'number' ? error.details.attempts : 1,
  failedAt: new Date().toISOString(),
});

/** One run's context: the artefact, the steps asked for, and where failures go. */
interface Run {
  artefact: Artefact;
  steps: ReadonlySet<LanguageStep>;
  tracer: Tracer;
  signal: AbortSignal;
  failures: StepFailure[];
}

/**
 * The language steps after the ONNX pipelines, each through the LLM interface and each skipped (and
 * traced as "skipped: no language model configured") when no model is routed to it. Minutes:
 * OCR correction against the image (the OCR reading stays as `ocrTranscription`), English
 * translation, summary and named entities (from the model in English and Chinese, and offline
 * from the English). Photos: a caption from the image and what was found.
 *
 * Each step fails soft: a step that fails after its retries is recorded on the artefact (code,
 * time, attempts) and the later steps go on with what there is (the OCR text for an uncorrected
 * page, an earlier translation, the offline entities); a step that succeeds clears its record.
 * Only a cancel stops the run.
 */
export class LanguageStages {
  constructor(
    private readonly files: FileStore,
    private readonly fields: ArtefactFields,
    private readonly stepFailures: StepFailureRepository,
    private readonly llm: LlmInterface,
  ) {}

  /** Runs the steps asked for (all by default); returns the steps that failed. */
  async run(artefact: Artefact, tracer: Tracer, signal: AbortSignal, steps: ReadonlySet<LanguageStep> = EVERY_LANGUAGE_STEP): Promise<StepFailure[]> {
    const run: Run = { artefact, steps, tracer, signal, failures: [] };
    if (artefact.kind === 'MM') await this.minutes(run);
    else if (artefact.kind === 'HF') await this.photo(run);
    if (run.failures.length > 0) {
      tracer.report({
        source: 'language',
        level: 'warn',
        message: `Processed with ${run.failures.length} failed language step(s): ${run.failures.map((f) => `${f.step.toLowerCase()} (${f.code})`).join(', ')}`,
        data: { failedSteps: run.failures.map((f) => f.step) },
      });
    }
    return run.failures;
  }

  private current(artefactId: string) {
    return this.fields.current(artefactId);
  }

  /** A machine version; a person's current value stays current (see ArtefactFields). */
  private write(artefactId: string, field: MetadataField, value: string, step: string, model: string): void {
    this.fields.write(artefactId, [{ field, value, origin: 'MACHINE', step, model }]);
  }

  /**
   * Runs one step when it was asked for. A typed failure (after the interface's retries) is
   * recorded and the run goes on; a cancel or a bug is thrown. Success clears an earlier failure.
   */
  private async step(run: Run, step: LanguageStep, work: () => Promise<void>): Promise<void> {
    if (!run.steps.has(step)) return;
    try {
      await work();
      this.stepFailures.clear(run.artefact.id, step);
    } catch (error) {
      if (!isAppError(error) || error.code === 'CANCELLED' || run.signal.aborted) throw error;
      const failure = asFailure(run.artefact.id, step, error);
      this.stepFailures.record(failure);
      run.failures.push(failure);
      run.tracer.report({
        source: 'language',
        level: 'warn',
        message: `${step.toLowerCase()} failed (${error.code}: ${error.message}); the other steps go on`,
        data: { step, code: error.code, attempts: failure.attempts },
      });
    }
  }

  private async minutes(run: Run): Promise<void> {
    const { artefact, tracer, signal } = run;
    const fields = this.current(artefact.id);
    const ocr = fields.get('ocrTranscription')?.value ?? '';
    if (ocr.trim() === '') {
      tracer.report({ source: 'language', message: 'No text was read: the language steps have nothing to work on' });
      return;
    }
    const options = { tracer, signal };
    await this.step(run, 'OCR_CORRECTION', async () => {
      const image = await this.files.read(artefact.fileSha256);
      const correction = await correctOcr(this.llm, { image, text: ocr, uncertain: uncertainCharacters(fields.get('ocrLayout')?.value) }, options);
      if (answered(correction)) this.write(artefact.id, 'transcription', correction.value.text, 'llm.ocr_correction', correction.model);
    });
    // Uncorrected (skipped or failed), the page's text is the OCR reading or a person's.
    const chinese = this.current(artefact.id).get('transcription')?.value ?? ocr;

    await this.step(run, 'TRANSLATION', async () => {
      const translation = await translateToEnglish(this.llm, chinese, options);
      if (answered(translation)) this.write(artefact.id, 'translation', translation.value, 'llm.translation', translation.model);
    });
    const english = this.current(artefact.id).get('translation')?.value ?? null;
    const noEnglish = (what: string): void =>
      tracer.report({ source: 'language', message: `${what} skipped: there is no English translation to work from` });

    await this.step(run, 'SUMMARY', async () => {
      if (english === null) return noEnglish('summary');
      const summary = await summarise(this.llm, english, options);
      if (answered(summary)) this.write(artefact.id, 'summary', summary.value, 'llm.summary', summary.model);
    });

    await this.step(run, 'ENTITIES', async () => {
      // Each pass on its own: the offline entities and a pass that worked are kept when the other fails.
      const entities: StoredEntity[] = [];
      const models: string[] = [];
      let failed: unknown;
      const pass = async (text: string, source: 'llm-en' | 'llm-zh') => {
        try {
          const found = await extractEntities(this.llm, text, options);
          if (answered(found)) {
            entities.push(...found.value.map((e) => ({ ...e, source })));
            models.push(found.model);
          }
        } catch (error) {
          if (!isAppError(error) || error.code === 'CANCELLED') throw error;
          failed ??= error;
        }
      };
      if (english === null) noEnglish('English entities');
      else {
        await pass(english, 'llm-en');
        entities.push(...offlineEnglishEntities(english));
        models.push('compromise');
      }
      await pass(chinese, 'llm-zh');
      if (entities.length > 0) this.write(artefact.id, 'entities', JSON.stringify(mergeEntities(entities)), 'entities', [...new Set(models)].join('+'));
      tracer.report({ source: 'language.entities', message: `${entities.length} entities`, data: { models } });
      if (failed !== undefined) throw failed;
    });
  }

  private async photo(run: Run): Promise<void> {
    const { artefact, tracer, signal } = run;
    await this.step(run, 'CAPTION', async () => {
      const fields = this.current(artefact.id);
      if (fields.get('caption')?.origin === 'HUMAN') return;
      const image = await this.files.read(artefact.fileSha256);
      const draft = fields.get('description')?.value ?? undefined;
      const caption = await captionPhoto(this.llm, { image, ...(draft === undefined ? {} : { draft }) }, { tracer, signal });
      if (answered(caption)) this.write(artefact.id, 'caption', caption.value, 'llm.caption', caption.model);
    });
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
