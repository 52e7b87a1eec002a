import * as OpenCC from 'opencc-js';

// Hong Kong / Taiwan Traditional <-> mainland Simplified, built once (the dictionaries are large).
const toSimplified = OpenCC.Converter({ from: 'hk', to: 'cn' });
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'hk' });

/**
 * The forms under which a text is indexed: as written, in Simplified and in Traditional script,
 * so that a search typed in either script finds it. Latin text passes through unchanged.
 */
export function searchForms(text: string): string[] {
  const forms = new Set([text, toSimplified(text), toTraditional(text)]);
  return [...forms];
}
