import { describe, expect, it } from 'vitest';
import { textLines, type StoredLayout } from '../../src/export/stored-layout.js';
import type { OcrLine } from '../../src/ocr/types.js';

const line = (text: string, kind: OcrLine['kind'] = 'column'): OcrLine => ({
  kind,
  text,
  confidence: 0.9,
  chars: [],
  box: [
    { x: 0, y: 0 },
    { x: 1, y: 0 },
    { x: 1, y: 1 },
    { x: 0, y: 1 },
  ],
});
const note = (text: string, after: number) => ({ ...line(text, 'note'), after });

describe('the stored layout in reading order', () => {
  it('reads layouts stored before notes were kept apart: the lines as stored, empty ones left out', () => {
    const layout: StoredLayout = { orientation: 'vertical', rotation: 0, lines: [line('一'), line(' '), line('二')] };
    expect(textLines(layout).map((l) => l.text)).toEqual(['一', '二']);
  });

  it('puts each note after the main line it follows (0: before the first), and one said to follow a line past the last at the end', () => {
    const layout: StoredLayout = {
      orientation: 'vertical',
      rotation: 0,
      lines: [line('一'), line('二'), line('三')],
      notes: [note('註甲', 2), note('註首', 0), note('註乙', 2), note('註尾', 9)],
    };
    expect(textLines(layout).map((l) => l.text)).toEqual(['註首', '一', '二', '註甲', '註乙', '三', '註尾']);
  });
});
