/** Small SVG building blocks for overlays; every text is escaped. */

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export interface Point {
  x: number;
  y: number;
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

export const polygon = (points: readonly Point[], style: string): string =>
  `<polygon points="${points.map((p) => `${n(p.x)},${n(p.y)}`).join(' ')}" ${style}/>`;

export const rect = (x: number, y: number, w: number, h: number, style: string): string =>
  `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" ${style}/>`;

/**
 * A text label on a dark band, its top-left corner at (x, y), kept inside the picture's width.
 * The band's width is estimated from the characters (CJK ones count double).
 */
export function label(text: string, x: number, y: number, size: number, colour: string, pictureWidth: number): string {
  const units = [...text].reduce((sum, c) => sum + (c.charCodeAt(0) > 0x2e80 ? 1 : 0.6), 0);
  const width = units * size + size * 0.6;
  const left = Math.max(0, Math.min(x, pictureWidth - width));
  const top = Math.max(0, y);
  return (
    rect(left, top, width, size * 1.4, 'fill="#000000" fill-opacity="0.65"') +
    `<text x="${n(left + size * 0.3)}" y="${n(top + size * 1.05)}" font-family="sans-serif" font-size="${n(size)}" fill="${colour}">${escapeXml(text)}</text>`
  );
}

export const svgDocument = (width: number, height: number, body: readonly string[]): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body.join('')}</svg>`;
