import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** A 48×32 PNG of one colour, different for each `i` below 65,536 (so each has its own SHA-256). */
export const tinyPng = (i: number): Promise<Buffer> =>
  sharp({ create: { width: 48, height: 32, channels: 3, background: { r: i % 256, g: Math.floor(i / 256) % 256, b: 99 } } })
    .png()
    .toBuffer();

/** Writes `count` tiny PNGs under `dir`, every other one in `dir/sub`; returns their paths relative to `dir`. */
export async function writeTinyImages(dir: string, count: number, first = 0): Promise<string[]> {
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  const written: string[] = [];
  for (let i = first; i < first + count; i++) {
    const relative = `${i % 2 === 1 ? 'sub/' : ''}img-${String(i).padStart(5, '0')}.png`;
    writeFileSync(path.join(dir, relative), await tinyPng(i));
    written.push(relative);
  }
  return written;
}
