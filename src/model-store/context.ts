import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../errors.js';

/** The registry file `models/context.json`: every model the system can use. Format: docs/models.md. */

const tensorSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  /** Fixed sizes as numbers, dynamic ones as a short name ("batch", "height"). */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string().min(1)])),
});

const sourceSchema = z.discriminatedUnion('kind', [
  /** A file inside an installed npm package (found through node_modules like Node finds packages). */
  z.object({ kind: z.literal('package'), package: z.string().min(1), path: z.string().min(1) }),
  /** A file committed to the repository, relative to the folder holding context.json. */
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  /** An https URL, downloaded once into the cache folder. http is only accepted for loopback hosts (tests). */
  z.object({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }), fileName: z.string().min(1).optional() }),
]);

const entrySchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" and "-"'),
  task: z.string().min(1),
  source: sourceSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  bytes: z.number().int().positive(),
  licence: z.string().min(1),
  upstream: z.string().min(1),
  provenance: z.string().min(1),
  inputs: z.array(tensorSchema).optional(),
  outputs: z.array(tensorSchema).optional(),
  required: z.boolean(),
});

const contextSchema = z.object({
  version: z.literal(1),
  models: z.array(entrySchema),
});

export type ModelSource = z.infer<typeof sourceSchema>;
export type ModelEntry = z.infer<typeof entrySchema>;
export type TensorSpec = z.infer<typeof tensorSchema>;

/** Reads and validates the registry; an unreadable or malformed registry is a deployment error. */
export const readModelContext = async (file: string): Promise<ModelEntry[]> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AppError('INTERNAL', `Model registry ${file} cannot be read`, undefined, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('INTERNAL', `Model registry ${file} is not valid JSON`, undefined, { cause: error });
  }
  const parsed = contextSchema.safeParse(json);
  if (!parsed.success) {
    throw new AppError('INTERNAL', `Model registry ${file} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.models) {
    if (seen.has(entry.name)) throw new AppError('INTERNAL', `Model registry ${file} lists "${entry.name}" twice`);
    seen.add(entry.name);
  }
  return parsed.data.models;
};
