import { AppError } from '../src/errors.js';

export type NodeType = 'User' | 'Artefact' | 'Category' | 'Book' | 'Figure' | 'Face' | 'FigureChange' | 'Batch' | 'Trace';

/** Opaque global ids: base64url of "Type:localId". */
export const toGlobalId = (type: NodeType, id: string): string => Buffer.from(`${type}:${id}`).toString('base64url');

export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString();
  const at = decoded.indexOf(':');
  if (at <= 0 || at === decoded.length - 1) return null;
  return { type: decoded.slice(0, at), id: decoded.slice(at + 1) };
}

// "an Artefact id", "a Batch id": the article of the type's name as it is read.
const article = (type: NodeType): string => (/^[AEIOU]/.test(type) ? 'an' : 'a');

/** The local id behind a global id of the expected type; BAD_USER_INPUT otherwise. */
export function localId(globalId: string, type: NodeType, field = 'id'): string {
  const parsed = parseGlobalId(globalId);
  if (parsed === null || parsed.type !== type) throw new AppError('BAD_USER_INPUT', `${field} is not ${article(type)} ${type} id`, { field });
  return parsed.id;
}

export const optionalLocalId = (globalId: string | null | undefined, type: NodeType, field: string): string | null =>
  globalId == null ? null : localId(globalId, type, field);
