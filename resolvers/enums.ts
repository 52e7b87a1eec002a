import { METADATA_FIELDS } from '../src/store/repositories/artefacts.js';
import type { ModelState } from '../src/model-store/store.js';
import { TRACE_LEVELS } from '../src/tracing/tracer.js';

/** "ocrTranscription" → "OCR_TRANSCRIPTION": the schema's spelling of an internal name. */
const screamingSnake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Enum values spelt SCREAMING_SNAKE_CASE in the schema, each mapped to the name the code keeps. */
const internalValues = (names: readonly string[]): Record<string, string> => Object.fromEntries(names.map((n) => [screamingSnake(n), n]));

const MODEL_STATES: readonly ModelState[] = ['ok', 'missing', 'corrupt'];

export const enumResolvers = {
  MetadataFieldName: internalValues(Object.keys(METADATA_FIELDS)),
  TraceLevel: internalValues(TRACE_LEVELS),
  ModelState: internalValues(MODEL_STATES),
};
