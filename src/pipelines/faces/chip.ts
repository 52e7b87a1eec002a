import type { FaceBox } from './box.js';
import { cropSquare } from './crop.js';
import { FACE_CHIP_SIZE } from './embed.js';
import type { RgbPixels } from './image.js';

/** Where the chip's square lies relative to the detector's box. */
export interface ChipFraming {
  /** Side of the square as a multiple of the box's geometric mean side, sqrt(width × height). */
  scale: number;
  /** Downward shift of the square's centre, as a fraction of the box height. */
  shiftY: number;
}

/**
 * UltraFace boxes run from the hairline to the chin; face-api (whose crops the network was used
 * with) crops the landmarks' box plus 20%, which sits lower and is about square. These values map
 * one to the other; measured in docs/faces-identification.md.
 */
export const DEFAULT_CHIP_FRAMING: Readonly<ChipFraming> = { scale: 1.07, shiftY: 0.09 };

/** The square, in photo pixels, that the chip shows for a detector box. */
export const chipSquare = (box: FaceBox, framing: Readonly<ChipFraming> = DEFAULT_CHIP_FRAMING): FaceBox => {
  const side = Math.sqrt(box.width * box.height) * framing.scale;
  return {
    x: box.x + box.width / 2 - side / 2,
    y: box.y + box.height / 2 + framing.shiftY * box.height - side / 2,
    width: side,
    height: side,
  };
};

/** The FACE_CHIP_SIZE² RGB chip the embedder reads for a detector box; parts outside the photo are black. */
export const cropFaceChip = async (photo: RgbPixels, box: FaceBox, framing: Readonly<ChipFraming> = DEFAULT_CHIP_FRAMING): Promise<Uint8Array> =>
  (await cropSquare(photo, chipSquare(box, framing), { size: FACE_CHIP_SIZE, margin: 0 })).data;
