/**
 * Builds the synthetic layout pages of test/fixtures/layout/: vertical minutes pages that reproduce
 * what loses or pollutes text on real scrolls, each with its truth (NAME.json: the main columns in
 * reading order, the notes with the column they follow, the seals' boxes):
 *   seals  red seals stamped over two columns and one between columns;
 *   faint  two columns in ink so pale the text detector does not see them;
 *   notes  a correction of small characters beside a column and a small dated note between columns.
 * The text is formal early-20th-century minutes written for these pages (not the sample page's).
 * Characters are drawn by librsvg (through sharp) in TW-Kai (Debian fonts-cns11643-kai); the paper's
 * grain comes from a fixed seed, so a rebuild gives the same pages.
 * Usage: npm run build:layout-pages [-- OUT_DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const OUT = process.argv[2] ?? 'test/fixtures/layout';
const WIDTH = 900;
const HEIGHT = 1100;
const FONT = 'TW-Kai';
const PAPER = [236, 226, 204] as const;
const SIZE = 50;
const PITCH = 110;
const TOP = 100;
const RIGHT = 790;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LayoutTruth {
  /** The main columns, right to left. */
  columns: string[];
  /** Notes in reading order; `after` is the 1-based position of the main column they follow. */
  notes: { after: number; text: string }[];
  /** Seals, in page pixels. */
  seals: Box[];
}

const COLUMNS = [
  '本會於民國十年三月一日開第三次常會',
  '到會者二十人公推陳君為主席宣讀前案',
  '一曰籌設義學二曰修理會館三曰賑濟災',
  '民眾皆贊成議決由司理員先行估價呈報',
  '次議本年經費收支各款均照舊章辦理',
  '散會時已下午五點鐘書記員謹錄於左',
];

/** A small deterministic generator (mulberry32), so the paper's grain is the same on every build. */
const random = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Tinted paper, lit unevenly, with grain. */
const paper = (seed: number): Buffer => {
  const next = random(seed);
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const light = 1 - 0.06 * ((x / WIDTH) * 0.6 + (y / HEIGHT) * 0.4);
      const grain = (next() - 0.5) * 14;
      for (let c = 0; c < 3; c++) data[(y * WIDTH + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(PAPER[c]! * light + grain)));
    }
  }
  return data;
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** One column of characters, top to bottom, centred on x. */
const column = (text: string, x: number, top: number, size: number, fill: string): string =>
  [...text]
    .map((ch, i) => `<text x="${x}" y="${top + i * size * 1.08 + size * 0.88}" font-family="${FONT}" font-size="${size}" fill="${fill}" text-anchor="middle">${esc(ch)}</text>`)
    .join('');

const columnX = (i: number): number => RIGHT - i * PITCH;

/** A square vermilion seal: a border and four characters, stamped semi-transparently as ink is. */
const squareSeal = (box: Box, chars: string): string => {
  const s = box.w;
  const g = s * 0.4;
  const glyphs = [...chars]
    .map((ch, i) => {
      const cx = box.x + (i < 2 ? 0.72 : 0.28) * s;
      const cy = box.y + (i % 2 === 0 ? 0.24 : 0.66) * s;
      return `<text x="${cx}" y="${cy + g * 0.4}" font-family="${FONT}" font-size="${g}" fill="#c8281e" text-anchor="middle">${esc(ch)}</text>`;
    })
    .join('');
  return `<g opacity="0.85"><rect x="${box.x + 4}" y="${box.y + 4}" width="${s - 8}" height="${s - 8}" fill="none" stroke="#c8281e" stroke-width="8"/>${glyphs}</g>`;
};

/** An oval seal filled with vermilion, its characters left in paper colour (a relief seal). */
const ovalSeal = (box: Box, chars: string): string => {
  const g = box.w * 0.42;
  const glyphs = [...chars]
    .map((ch, i) => `<text x="${box.x + box.w / 2}" y="${box.y + box.h * (0.22 + 0.4 * i) + g * 0.55}" font-family="${FONT}" font-size="${g}" fill="#ece2cc" text-anchor="middle">${esc(ch)}</text>`)
    .join('');
  return `<g opacity="0.9"><ellipse cx="${box.x + box.w / 2}" cy="${box.y + box.h / 2}" rx="${box.w / 2}" ry="${box.h / 2}" fill="#d0301f"/>${glyphs}</g>`;
};

const render = async (name: string, seed: number, svgBody: string, truth: LayoutTruth): Promise<void> => {
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${svgBody}</svg>`);
  const bytes = await sharp(paper(seed), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .composite([{ input: svg, blend: 'multiply' }])
    .blur(0.6)
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(path.join(OUT, `${name}.jpg`), bytes);
  await writeFile(path.join(OUT, `${name}.json`), `${JSON.stringify(truth, null, 2)}\n`);
  console.log(`${name}.jpg ${bytes.length} bytes`);
};

const INK = '#1e1a16';
const mainColumns = (fill: (i: number) => string): string => COLUMNS.map((t, i) => column(t, columnX(i), TOP, SIZE, fill(i))).join('');

await mkdir(OUT, { recursive: true });

// Seals over columns 2 and 5 and one in the gap between columns 3 and 4.
{
  const seals: Box[] = [
    { x: columnX(1) - 70, y: 560, w: 140, h: 140 },
    { x: columnX(4) - 60, y: 240, w: 120, h: 120 },
    { x: (columnX(2) + columnX(3)) / 2 - 40, y: 880, w: 80, h: 150 },
  ];
  const body = mainColumns(() => INK) + squareSeal(seals[0]!, '珍藏印記') + squareSeal(seals[1]!, '會館之印') + ovalSeal(seals[2]!, '審定');
  await render('seals', 101, body, { columns: COLUMNS, notes: [], seals });
}

// Columns 3 and 5 in pale, dry ink: strokes broken by the brush running dry.
{
  const dry =
    '<defs><filter id="dry" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.35" numOctaves="2" seed="7" result="n"/>' +
    '<feComponentTransfer in="n" result="m"><feFuncA type="discrete" tableValues="0 0 0 1 1"/></feComponentTransfer>' +
    '<feComposite in="SourceGraphic" in2="m" operator="in"/></filter></defs>';
  const body = `${dry}<g>${mainColumns((i) => (i === 2 || i === 4 ? 'none' : INK))}</g><g filter="url(#dry)">${[2, 4].map((i) => column(COLUMNS[i]!, columnX(i), TOP, SIZE, '#a89c88')).join('')}</g>`;
  await render('faint', 202, body, { columns: COLUMNS, notes: [], seals: [] });
}

// A correction of three small characters beside column 3, and a small dated note between columns 5 and 6.
{
  const small = SIZE * 0.45;
  const correction = '籌建校';
  const dated = '三月二日補記';
  const body =
    mainColumns(() => INK) +
    column(correction, columnX(2) - SIZE / 2 - small * 0.75, TOP + 2 * SIZE * 1.08, small, INK) +
    column(dated, (columnX(4) + columnX(5)) / 2, TOP + 6 * SIZE * 1.08, small, INK);
  await render('notes', 303, body, {
    columns: COLUMNS,
    notes: [
      { after: 3, text: correction },
      { after: 5, text: dated },
    ],
    seals: [],
  });
}
