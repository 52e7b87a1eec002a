/**
 * The text the character language model is built from and measured on, read as runs of Han characters
 * in Traditional form (OpenCC cn→tw, phrase-aware; Traditional input passes through). Shared by
 * build-char-lm.ts, eval-char-lm.ts and held-out-text.ts, so that the held-out text is exactly what
 * the build leaves out. build-char-lm.sh installs the Debian packages and unpacks npm chinese-poetry
 * into WORK (default /tmp/archaive-lm).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenCC from 'opencc-js';

const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
const HAN = /\p{Script=Han}+/gu;

/** Han runs of a text, in Traditional form; punctuation and anything else split runs. */
export const hanRuns = (text: string): string[] => toTraditional(text).match(HAN) ?? [];

export const WORK = process.env.WORK ?? '/tmp/archaive-lm';

/** npm chinese-poetry 2.0.1 (MIT), unpacked by build-char-lm.sh. */
const poetry = (file: string): string => path.join(WORK, 'chinese-poetry', 'dist', file);

/**
 * Classical prose from chinese-poetry: the Four Books, the Analects, the primers (蒙學) written as
 * prose, and 幽夢影. Verse is left out: 25 M characters of Tang and Song verse made the bigram model
 * worse on both held-out sets (docs/ocr.md). The Guwen Guanzhi anthology is held out (CLASSICAL_HELD_OUT).
 */
export const CLASSICAL_FILES = [
  'lunyu/lunyu.json',
  'sishuwujing/daxue.json',
  'sishuwujing/zhongyong.json',
  'sishuwujing/mengzi.json',
  'youmengying/youmengying.json',
  'mengxue/youxueqionglin.json',
  'mengxue/wenzimengqiu.json',
  'mengxue/zengguangxianwen.json',
  'mengxue/zhuzijiaxun.json',
  'mengxue/sanzijing-traditional.json',
  'mengxue/qianziwen.json',
  'mengxue/dizigui.json',
].map(poetry);

/** Classical prose never used in a build: the Guwen Guanzhi anthology (chinese-poetry). */
export const CLASSICAL_HELD_OUT = poetry('mengxue/guwenguanzhi.json');

/** Every string inside a JSON value, in document order, except the editors' modern introductions (`abstract`). */
const strings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, v]) => (key === 'abstract' ? [] : strings(v)));
  return [];
};

/** A text file or a chinese-poetry JSON file as Traditional Han runs. */
export const fileRuns = (file: string): string[] =>
  file.endsWith('.json') ? strings(JSON.parse(readFileSync(file, 'utf8'))).flatMap(hanRuns) : hanRuns(readFileSync(file, 'utf8'));
