import sharp from 'sharp';
import type { Tracer } from '../../tracing/tracer.js';
import type { FaceBox } from './box.js';
import type { RgbPixels } from './image.js';
import { suppressOverlaps, type SuppressionOptions } from './nms.js';
import { faceQuality, type FaceQuality } from './quality.js';
import { DEFAULT_SECOND_LOOK, secondLookScore, type SecondLookOptions } from './second-look.js';
import { DEFAULT_TILING, planLevels, smallestFacePx, type Level, type Tile, type TilingOptions } from './tiles.js';
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, type UltraFace } from './ultraface.js';

export interface DetectOptions {
  /** Detector score (0..1) a box needs to count as a face. */
  minScore: number;
  suppression: SuppressionOptions;
  tiling: TilingOptions;
  /** A box within this many detector pixels of a tile edge inside the photo is a cut face: dropped. */
  edgeMarginPx: number;
  /**
   * Largest box side, in detector pixels, kept from any level but the coarsest: a bigger face is at
   * least this size divided by the level step one level up, where it is seen with more context.
   */
  fineLevelMaxFacePx: number;
  /** Boxes shorter than this fraction of the smallest face looked for are below the pyramid's range. */
  minFaceRatio: number;
  /** Width/height range of a face box (the samples' detected faces measure 0.69–0.97). */
  aspect: { min: number; max: number };
  /** The second look at every merged box before it becomes a face (second-look.ts); null skips it. */
  secondLook: SecondLookOptions | null;
}

export const DEFAULT_DETECT_OPTIONS: Readonly<DetectOptions> = {
  // Upstream's 0.7 is for one pass; the pyramid runs the network about 50 times a photo, giving
  // textures more chances. 0.75 removed the low-scoring false boxes (banner text, hands, a box
  // between two faces) on the samples and on the upstream project's sample photos without losing a
  // face there (docs/faces-detection.md).
  minScore: 0.75,
  suppression: { iou: 0.3, containment: 0.6 },
  tiling: DEFAULT_TILING,
  edgeMarginPx: 2,
  fineLevelMaxFacePx: 80,
  minFaceRatio: 0.7,
  aspect: { min: 0.4, max: 1.3 },
  secondLook: DEFAULT_SECOND_LOOK,
};

interface Candidate {
  /** In photo pixels, clipped to the photo. */
  box: FaceBox;
  /** Detector score, 0..1. */
  score: number;
  /** Pyramid scale at which it was found (detector px per photo px). */
  scale: number;
}

export interface DetectedFace extends Candidate, FaceQuality {}

export interface FaceDetection {
  faces: DetectedFace[];
  tilesRun: number;
  rawBoxes: number;
}

/** The level image's window of one tile, padded with mid-grey (0 after normalisation) to 320×240. */
const tilePixels = (levelImage: Uint8Array, level: Level, tile: Tile): Uint8Array => {
  const out = new Uint8Array(DETECTOR_WIDTH * DETECTOR_HEIGHT * 3).fill(127);
  for (let row = 0; row < tile.height; row++) {
    const from = ((tile.top + row) * level.width + tile.left) * 3;
    out.set(levelImage.subarray(from, from + tile.width * 3), row * DETECTOR_WIDTH * 3);
  }
  return out;
};

const touchesInnerEdge = (box: FaceBox, tile: Tile, margin: number): boolean =>
  (tile.innerEdges.left && box.x < margin) ||
  (tile.innerEdges.top && box.y < margin) ||
  (tile.innerEdges.right && box.x + box.width > tile.width - margin) ||
  (tile.innerEdges.bottom && box.y + box.height > tile.height - margin);

const plausible = (box: FaceBox, minHeight: number, options: DetectOptions): boolean => {
  const aspect = box.width / box.height;
  return box.height >= minHeight && aspect >= options.aspect.min && aspect <= options.aspect.max;
};

const clipToPhoto = (box: FaceBox, photo: RgbPixels): FaceBox => {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return { x, y, width: Math.min(photo.width, box.x + box.width) - x, height: Math.min(photo.height, box.y + box.height) - y };
};

/**
 * Finds faces with UltraFace over an image pyramid of overlapping tiles (tiles.ts), so faces from
 * about 2% of the photo's shorter side up to the whole photo are seen at a size the detector handles,
 * then merges the boxes of all tiles with non-maximum suppression and keeps those a second look
 * confirms (second-look.ts).
 */
export const detectFaces = (photo: RgbPixels, detector: UltraFace, tracer: Tracer, options: DetectOptions = DEFAULT_DETECT_OPTIONS): Promise<FaceDetection> =>
  tracer.step(
    'faces.detect',
    `Detected faces in a ${photo.width}×${photo.height} photo`,
    () => detectSteps(photo, detector, tracer, options),
    (result) => ({ faces: result.faces.length, tilesRun: result.tilesRun, rawBoxes: result.rawBoxes }),
  );

const secondLook = async (photo: RgbPixels, boxes: Candidate[], detector: UltraFace, options: SecondLookOptions | null): Promise<Candidate[]> => {
  if (options === null) return boxes;
  const confirmed: Candidate[] = [];
  for (const candidate of boxes) {
    if ((await secondLookScore(photo, candidate.box, detector, options)) >= options.minScore) confirmed.push(candidate);
  }
  return confirmed;
};

const detectSteps = async (photo: RgbPixels, detector: UltraFace, tracer: Tracer, options: DetectOptions): Promise<FaceDetection> => {
  const levels = planLevels(photo.width, photo.height, options.tiling);
  const minHeight = options.minFaceRatio * smallestFacePx(photo.width, photo.height, options.tiling);
  const candidates: Candidate[] = [];
  let tilesRun = 0;
  for (const level of levels) {
    const found = await tracer.step(
      'faces.detect.level',
      `Level ${level.level}: scale ${level.scale.toFixed(3)}, ${level.tiles.length} tile${level.tiles.length === 1 ? '' : 's'}`,
      async () => {
        const levelImage = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
          .resize(level.width, level.height, { fit: 'fill', kernel: 'cubic' })
          .raw()
          .toBuffer();
        const boxes: Candidate[] = [];
        for (const tile of level.tiles) {
          for (const raw of await detector.run(tilePixels(levelImage, level, tile), options.minScore)) {
            if (touchesInnerEdge(raw.box, tile, options.edgeMarginPx)) continue;
            if (level.level > 0 && Math.max(raw.box.width, raw.box.height) > options.fineLevelMaxFacePx) continue;
            const box = {
              x: (tile.left + raw.box.x) / level.scale,
              y: (tile.top + raw.box.y) / level.scale,
              width: raw.box.width / level.scale,
              height: raw.box.height / level.scale,
            };
            boxes.push({ box: clipToPhoto(box, photo), score: raw.score, scale: level.scale });
          }
        }
        tilesRun += level.tiles.length;
        return boxes;
      },
      (boxes) => ({ scale: level.scale, tiles: level.tiles.length, rawBoxes: boxes.length }),
    );
    candidates.push(...found);
  }
  const kept = await tracer.step(
    'faces.detect.merge',
    'Merged overlapping boxes',
    () => suppressOverlaps(candidates.filter((c) => plausible(c.box, minHeight, options)), options.suppression),
    (merged) => ({ tilesRun, rawBoxes: candidates.length, kept: merged.length }),
  );
  const confirmed = await tracer.step(
    'faces.detect.second-look',
    'Looked again at each box, centred at a size the detector handles well',
    () => secondLook(photo, kept, detector, options.secondLook),
    (faces) => ({ boxes: kept.length, confirmed: faces.length, dropped: kept.length - faces.length }),
  );
  const faces = await tracer.step(
    'faces.detect.quality',
    `Scored ${confirmed.length} face${confirmed.length === 1 ? '' : 's'}`,
    () => confirmed.map((c): DetectedFace => ({ ...c, ...faceQuality(photo, c.box, c.score) })).sort((a, b) => b.quality - a.quality),
    (scored) => ({ faces: scored.length, bestQuality: scored[0]?.quality ?? null }),
  );
  return { faces, tilesRun, rawBoxes: candidates.length };
};
