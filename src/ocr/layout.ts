import type { ReadingAxis } from './crop.js';
import type { Bounds, OrientedRect } from './geometry.js';
import type { LineKind } from './types.js';

export interface LayoutLine {
  kind: LineKind;
  axis: ReadingAxis;
  /** Detected rectangles read one after another: a column the detector found in pieces, top first. */
  pieces: OrientedRect[];
}

export interface Layout {
  orientation: 'vertical' | 'horizontal';
  /** Page skew in radians (median angle of the boxes), undone before ordering. */
  skew: number;
  lines: LayoutLine[];
}

export interface LayoutOptions {
  /** A box this many times longer than thick has a clear direction; squarer boxes follow the page. */
  elongation: number;
  /** Thinner than this share of the typical column thickness: candidate note. */
  noteThickness: number;
  /** …and shorter than this share of the typical column length (or thinner than half): note. */
  noteLength: number;
  /** Pieces of one column may be this many thicknesses apart. */
  pieceGap: number;
}

export const defaultLayoutOptions: LayoutOptions = { elongation: 1.5, noteThickness: 0.75, noteLength: 0.6, pieceGap: 2 };

/** A box in deskewed page coordinates. */
interface Placed extends Bounds {
  rect: OrientedRect;
}

const median = (values: readonly number[]): number => {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const overlap = (a0: number, a1: number, b0: number, b1: number): number => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

const place = (rect: OrientedRect, skew: number): Placed => {
  const c = Math.cos(skew);
  const s = Math.sin(skew);
  const x = rect.cx * c + rect.cy * s;
  const y = -rect.cx * s + rect.cy * c;
  return { rect, x0: x - rect.w / 2, x1: x + rect.w / 2, y0: y - rect.h / 2, y1: y + rect.h / 2 };
};

const axisOf = (r: OrientedRect, elongation: number): ReadingAxis | undefined =>
  r.h >= elongation * r.w ? 'column' : r.w >= elongation * r.h ? 'row' : undefined;

interface Group extends Bounds {
  items: Placed[];
}

const groupThickness = (g: Group): number => median(g.items.map((p) => p.rect.w));

/** Collects column pieces that share an x range and follow each other down the page. */
const groupColumns = (items: Placed[], pieceGap: number): Group[] => {
  const groups: Group[] = [];
  for (const p of [...items].sort((a, b) => a.y0 - b.y0)) {
    const width = p.x1 - p.x0;
    const home = groups.find((g) => {
      const shared = overlap(g.x0, g.x1, p.x0, p.x1);
      if (shared < 0.5 * Math.min(width, g.x1 - g.x0)) return false;
      if (overlap(g.y0, g.y1, p.y0, p.y1) > 0.3 * Math.min(g.y1 - g.y0, p.y1 - p.y0)) return false;
      return p.y0 - g.y1 <= pieceGap * Math.max(width, groupThickness(g));
    });
    if (home === undefined) {
      groups.push({ items: [p], x0: p.x0, x1: p.x1, y0: p.y0, y1: p.y1 });
    } else {
      home.items.push(p);
      home.x0 = Math.min(home.x0, p.x0);
      home.x1 = Math.max(home.x1, p.x1);
      home.y1 = Math.max(home.y1, p.y1);
    }
  }
  return groups;
};

/**
 * Columns in reading order: a page may hold several blocks of columns one above the other (two
 * registers, or pages scanned together); blocks are columns whose heights overlap, read top block
 * first, each right to left.
 */
const inBands = (groups: readonly Group[], typicalLength: number): Group[] => {
  const bands: Group[][] = [];
  const shares = (band: Group[], g: Group): boolean =>
    band.some((o) => overlap(o.y0, o.y1, g.y0, g.y1) >= 0.5 * Math.min(o.y1 - o.y0, g.y1 - g.y0));
  // Bands are formed by columns of ordinary length, so that one column spanning several blocks
  // (the detector joining two titles) does not fuse them; such columns join the first band they touch.
  const ordinary = (g: Group): boolean => g.y1 - g.y0 <= 1.5 * typicalLength;
  for (const g of [...groups].filter(ordinary).sort((a, b) => a.y0 - b.y0)) {
    const home = bands.find((band) => shares(band, g));
    if (home === undefined) bands.push([g]);
    else home.push(g);
  }
  for (const g of groups.filter((x) => !ordinary(x))) {
    const home = bands.find((band) => band.some((o) => overlap(o.y0, o.y1, g.y0, g.y1) > 0));
    if (home === undefined) bands.push([g]);
    else home.push(g);
  }
  return bands.sort((a, b) => Math.min(...a.map((g) => g.y0)) - Math.min(...b.map((g) => g.y0))).flatMap((band) => band.sort((a, b) => b.x0 + b.x1 - (a.x0 + a.x1)));
};

/** Rows in reading order: top to bottom, and left to right among rows sharing a band. */
const orderRows = <T extends Placed>(rows: T[]): T[] => {
  const sorted = [...rows].sort((a, b) => (a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2);
  const bands: T[][] = [];
  for (const r of sorted) {
    const band = bands.at(-1);
    const first = band?.[0];
    const mid = (r.y0 + r.y1) / 2;
    if (band !== undefined && first !== undefined && mid > first.y0 && mid < first.y1) band.push(r);
    else bands.push([r]);
  }
  return bands.flatMap((band) => band.sort((a, b) => a.x0 - b.x0));
};

/**
 * Decides whether the page is written in columns or rows (total length of clearly tall boxes
 * against clearly wide ones), and puts the lines in reading order: columns right to left, each top
 * to bottom; thin short columns squeezed between others are notes, kept apart; rows top to bottom.
 */
export const planLayout = (rects: readonly OrientedRect[], options: LayoutOptions = defaultLayoutOptions): Layout => {
  let tall = 0;
  let wide = 0;
  for (const r of rects) {
    const axis = axisOf(r, options.elongation);
    if (axis === 'column') tall += r.h;
    if (axis === 'row') wide += r.w;
  }
  const orientation = tall > wide ? 'vertical' : 'horizontal';
  const fallback: ReadingAxis = orientation === 'vertical' ? 'column' : 'row';
  const skew = median(rects.map((r) => Math.atan2(r.uy, r.ux)));
  const placed = rects.map((r) => ({ p: place(r, skew), axis: axisOf(r, options.elongation) ?? fallback }));
  const columns = placed.filter((x) => x.axis === 'column').map((x) => x.p);
  const rows = placed.filter((x) => x.axis === 'row').map((x) => x.p);

  const groups = groupColumns(columns, options.pieceGap);
  const typicalThickness = median(groups.map(groupThickness));
  const typicalLength = median(groups.map((g) => g.y1 - g.y0));
  const columnLines = inBands(groups, typicalLength).map((g): LayoutLine & { top: number; group: Group } => {
    const thickness = groupThickness(g);
    const thin = thickness < options.noteThickness * typicalThickness;
    const note = thin && (g.y1 - g.y0 < options.noteLength * typicalLength || thickness < 0.5 * typicalThickness);
    return { kind: note ? 'note' : 'column', axis: 'column', pieces: g.items.map((p) => p.rect), top: g.y0, group: g };
  });
  const rowLines = (list: Placed[]): LayoutLine[] => orderRows(list).map((p) => ({ kind: 'row', axis: 'row', pieces: [p.rect] }));

  if (orientation === 'horizontal') {
    // Stray columns on a page of rows (a vertical sign in a photo) take their place by their extent.
    const entries = [
      ...rows.map((p) => ({ ...p, line: { kind: 'row', axis: 'row', pieces: [p.rect] } as LayoutLine })),
      ...columnLines.map(({ kind, axis, pieces, group: g }) => ({ rect: pieces[0]!, x0: g.x0, x1: g.x1, y0: g.y0, y1: g.y1, line: { kind, axis, pieces } })),
    ];
    return { orientation, skew, lines: orderRows(entries).map((e) => e.line) };
  }
  // Rows on a page of columns: those above the columns are headings and come first, the rest last.
  const columnTop = median(columnLines.map((c) => c.top));
  const above = rows.filter((r) => r.y1 <= columnTop);
  const below = rows.filter((r) => r.y1 > columnTop);
  return {
    orientation,
    skew,
    lines: [...rowLines(above), ...columnLines.map(({ kind, axis, pieces }) => ({ kind, axis, pieces })), ...rowLines(below)],
  };
};
