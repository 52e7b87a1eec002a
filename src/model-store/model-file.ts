import { readFile } from 'node:fs/promises';
import { AppError } from '../errors.js';

/** The bytes of one of a model's files (weights, vocabulary, tables); an unreadable file is MODEL_MISSING naming the model. */
export const readModelFile = async (file: string, model: string): Promise<Buffer> => {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new AppError('MODEL_MISSING', `Model "${model}" not found at ${file}`, { model, file }, { cause });
  }
};
