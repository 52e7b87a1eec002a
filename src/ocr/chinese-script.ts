import OpenCC from 'opencc-js';

/**
 * OpenCC conversions. cn→tw was measured best for this material: a Simplified round trip of the
 * sample's ground truth comes back with 1 difference in 231 characters (hk: 2, hk keeps 説 for 說).
 */
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });

/**
 * Converts a line to Traditional character by character while using the whole line as context
 * (OpenCC's phrase table picks 頭髮 over 頭發): when the converted line keeps its length, position i
 * of the result belongs to character i; otherwise each character is converted on its own.
 */
export const traditionalChars = (chars: readonly string[]): string[] => {
  const whole = [...toTraditional(chars.join(''))];
  if (whole.length === chars.length) return whole;
  return chars.map((c) => toTraditional(c));
};

export const traditionalChar = (char: string): string => toTraditional(char);

export const simplifiedText = (text: string): string => toSimplified(text);
