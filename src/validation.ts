import { z } from 'zod';
import { AppError, badInput } from './errors.js';

/** Parses input against a schema; the first problem becomes a BAD_USER_INPUT naming the field. */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw badInput(field ? `${field}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'Invalid input'), field);
}

/** Runs a write; a UNIQUE constraint failure becomes CONFLICT with the given message. */
export function uniquely<T>(message: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT_UNIQUE')) {
      throw new AppError('CONFLICT', message);
    }
    throw error;
  }
}

export const trimmed = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min, { error: min === 1 ? 'must not be empty' : `needs at least ${min} characters` })
    .max(max, { error: `may have at most ${max} characters` });

export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, { error: 'use 3–32 letters, digits, dot, dash or underscore' });
export const emailSchema = z.string().trim().toLowerCase().pipe(z.email({ error: 'is not an email address' }));
