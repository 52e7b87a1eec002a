import ort from 'onnxruntime-node';
import { AppError } from '../errors.js';
import { cached } from './cached.js';
import { readModelFile } from './model-file.js';
import { SESSION_OPTIONS } from './session-options.js';

/** Which network a file must hold. */
export interface SessionSpec {
  /** Registry name (models/context.json), for messages. */
  model: string;
  /** Tensor names the graph must declare; a file without them is another network. */
  inputs?: readonly string[];
  outputs?: readonly string[];
}

const missingNames = (wanted: readonly string[], declared: readonly string[]): string[] => wanted.filter((name) => !declared.includes(name));

const openSession = async (file: string, spec: SessionSpec): Promise<ort.InferenceSession> => {
  const details = { model: spec.model, file };
  const bytes = await readModelFile(file, spec.model);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (cause) {
    throw new AppError('MODEL_CORRUPT', `Model "${spec.model}" at ${file} could not be loaded`, details, { cause });
  }
  const absent = [...missingNames(spec.inputs ?? [], session.inputNames), ...missingNames(spec.outputs ?? [], session.outputNames)];
  if (absent.length > 0) {
    await session.release();
    throw new AppError('MODEL_CORRUPT', `Model "${spec.model}" at ${file} is another network: it has no tensor ${absent.map((n) => `"${n}"`).join(', ')}`, details);
  }
  return session;
};

/**
 * The thread's one session for a model file, made with the project's session options and shared by
 * every caller. A missing file is MODEL_MISSING, an unloadable one or another network MODEL_CORRUPT;
 * a failed load is not kept, so a later call tries again.
 */
export const cachedSession: (file: string, spec: SessionSpec) => Promise<ort.InferenceSession> = cached((file) => file, openSession);
