import type { RgbImage } from './image.js';

/** The page's paper colour: the median of each channel (most of a page is paper). */
export const paperColour = (image: RgbImage): [number, number, number] => {
  const out: [number, number, number] = [255, 255, 255];
  const n = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    const hist = new Uint32Array(256);
    for (let i = 0; i < n; i++) hist[image.data[i * 3 + c]!]!++;
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      if ((seen += hist[v]!) >= n / 2) {
        out[c] = v;
        break;
      }
    }
  }
  return out;
};

/**
 * Whether the image is a page (its median colour light and low in colour) rather than a photo:
 * seals are searched and unread ink read as text on pages only, since a photo's red is clothing or a
 * banner and most of its dark pixels are not writing.
 */
export const looksLikePaper = (image: RgbImage): boolean => {
  const [r, g, b] = paperColour(image);
  return 0.299 * r + 0.587 * g + 0.114 * b >= 150 && Math.max(r, g, b) - Math.min(r, g, b) <= 70;
};
