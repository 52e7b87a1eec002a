import { AppError } from '../errors.js';
import type { OcrPage } from '../ocr/types.js';
import { factualDescription, FACTUAL_DESCRIPTION_STEP } from '../pipelines/artefact/description.js';
import type { ArtefactFields } from '../services/artefact-fields.js';
import type { FieldWrite, MetadataField } from '../store/repositories/artefacts.js';
import type { Store } from '../store/store.js';
import type { Tracer } from '../tracing/tracer.js';
import type { ArtefactResult } from '../../workers/artefact-task.js';
import type { FaceIdentifier, IdentifiedFace } from './face-identifier.js';
import type { ProcessingStep } from './steps.js';

export interface WrittenResult {
  /** The faces stored by this run (faces a person kept are not among them). */
  faces: IdentifiedFace[];
  /** Fields whose current value changed. */
  fieldsWritten: MetadataField[];
}

/** The readers whose characters made the page, e.g. "ccr-big5-kai+pp-ocrv5": the model a reading is stored with. */
export const readerLabel = (page: OcrPage): string => {
  const models = [...new Set(page.lines.flatMap((l) => l.chars.map((c) => c.model)))].sort();
  return models.length === 0 ? 'pp-ocrv5' : models.join('+');
};

/** What the `ocrLayout` field holds: the main lines, the notes (each after a main line) and the seals apart, and the ink left unread. */
export const storedOcrLayout = ({ orientation, rotation, lines, notes, seals, unreadInk }: OcrPage) => ({ orientation, rotation, lines, notes, seals, unreadInk });

/**
 * Stores what a worker found for an artefact, for the steps that ran: the kind (when the classifier
 * chose it and no person did), the faces and their figures, and machine versions of the text fields.
 * Every field goes through ArtefactFields, so a person's current value is never replaced (the
 * machine's reading is kept on record beside it) and derived fields follow their source.
 */
export class ResultWriter {
  constructor(
    private readonly store: Store,
    private readonly fields: ArtefactFields,
    private readonly faces: FaceIdentifier,
  ) {}

  async write(artefactId: string, result: ArtefactResult, steps: ReadonlySet<ProcessingStep>, tracer: Tracer): Promise<WrittenResult> {
    const artefact = this.store.artefacts.byId(artefactId);
    if (artefact === undefined) throw new AppError('NOT_FOUND', `Artefact ${artefactId} not found`);
    if (result.kindSource !== 'given' && artefact.kindSource !== 'UPLOADER' && artefact.kindSource !== 'EDITOR') {
      // The confidence of the decision made: the classifier's, or the face check's when faces overruled it.
      const kindSource = result.kindSource === 'face-check' ? 'FACE_CHECK' : 'CLASSIFIER';
      this.store.artefacts.update(artefactId, { kind: result.kind, kindSource, kindConfidence: result.kindConfidence });
    }
    const faces = result.kind === 'HF' && steps.has('FACES') ? await this.faces.identifyFaces({ artefactId, sourceSha256: artefact.fileSha256, faces: result.faces }, tracer) : [];
    const writes: FieldWrite[] = [];
    const machine = (field: MetadataField, value: string, step: string, model: string | null): FieldWrite => ({ field, value, origin: 'MACHINE', step, model });
    if (result.kind === 'MM' && result.ocr !== null) {
      const reader = readerLabel(result.ocr);
      // The OCR reading is the working transcription until a model corrects it or a person edits it;
      // Simplified Chinese is derived from the transcription.
      writes.push(machine('ocrTranscription', result.ocr.text, 'ocr.read', reader));
      writes.push(machine('transcription', result.ocr.text, 'ocr.read', reader));
      writes.push(machine('ocrLayout', JSON.stringify(storedOcrLayout(result.ocr)), 'ocr.read', reader));
    } else if (result.kind === 'HF') {
      const bannerText = steps.has('TEXT') ? (result.bannerText ?? '') : (this.fields.current(artefactId).get('bannerText')?.value ?? '');
      if (steps.has('TEXT') && bannerText.length > 0) writes.push(machine('bannerText', bannerText, 'ocr.banner', result.ocr === null ? null : readerLabel(result.ocr)));
      if (steps.has('FACES') || steps.has('TEXT')) {
        // A factual description from what was found; a language model's caption is a separate field.
        const people = steps.has('FACES') ? result.faces.length : this.store.figures.facesOfArtefacts([artefactId]).length;
        const knownNames = this.store.figures
          .figuresIn([artefactId])
          .map((f) => f.figure.label)
          .filter((l): l is string => l !== null);
        writes.push(machine('description', factualDescription({ people, knownNames, bannerText }), FACTUAL_DESCRIPTION_STEP, null));
      }
    }
    const fieldsWritten = this.fields.write(artefactId, writes);
    tracer.report({ source: 'artefact.store', message: `Stored ${faces.length} faces and ${fieldsWritten.length} fields`, data: { artefactId, fields: fieldsWritten } });
    return { faces, fieldsWritten };
  }
}
