import type { OcrPage } from './types.js';

/**
 * The page's main lines in the script they were written in: each character as its recogniser read
 * it (`raw`), before the conversion to Traditional that `text` carries. For text that must be kept
 * as written (a Simplified banner stays Simplified); the search index adds the other script.
 */
export const textAsWritten = (page: Pick<OcrPage, 'lines'>): string => page.lines.map((l) => l.chars.map((c) => c.raw).join('')).join('\n');
