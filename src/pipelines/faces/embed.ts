import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { AppError } from '../../errors.js';
import type { Tracer } from '../../tracing/tracer.js';
import { cached } from '../../model-store/cached.js';
import { cachedSession } from '../../model-store/sessions.js';

/** Side of the face chip the network reads (HSE FaceRes: 224×224 RGB 0..255). */
export const FACE_CHIP_SIZE = 224;
/** The descriptor: FaceRes's 1024-d global average pooling, before its age and gender heads. */
export const EMBEDDING_DIMENSIONS = 1024;

/**
 * Registry name of the model (models/context.json). Stored embeddings carry it: those of another
 * model are not comparable and are embedded again (src/jobs/reembed-faces.ts).
 */
export const FACE_EMBEDDER_MODEL = 'hse-faceres';

// The graph keeps the tensor names of the tfjs model it was converted from (models/training/convert_tfjs_graph.py).
const INPUT = 'input_1';
const OUTPUT = 'global_pooling/Mean';

const CHIP_BYTES = FACE_CHIP_SIZE * FACE_CHIP_SIZE * 3;

/**
 * A face crop: either raw RGB pixels of exactly FACE_CHIP_SIZE² (row-major, 3 bytes a pixel), or
 * any image sharp reads, which is padded to a square with black and resized.
 */
export type FaceCrop = { kind: 'rgb'; data: Uint8Array } | { kind: 'encoded'; data: Uint8Array };

export interface FaceEmbedder {
  /** One L2-normalised Float32Array(EMBEDDING_DIMENSIONS) per crop, in order; the crops run as one batch. */
  embed(crops: readonly FaceCrop[], tracer: Tracer): Promise<Float32Array[]>;
}

const chipPixels = async (crop: FaceCrop): Promise<Uint8Array> => {
  if (crop.kind === 'rgb') {
    if (crop.data.length !== CHIP_BYTES) {
      throw new AppError('INVALID_IMAGE', `a raw face chip must be ${FACE_CHIP_SIZE}×${FACE_CHIP_SIZE} RGB (${CHIP_BYTES} bytes), got ${crop.data.length} bytes`);
    }
    return crop.data;
  }
  try {
    const { data, info } = await sharp(crop.data, { failOn: 'truncated', autoOrient: true })
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .resize(FACE_CHIP_SIZE, FACE_CHIP_SIZE, { fit: 'contain', background: '#000000' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== CHIP_BYTES) throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}`);
    return data;
  } catch (cause) {
    throw new AppError('INVALID_IMAGE', `face crop is not a readable image: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, {
      cause,
    });
  }
};

const l2Normalised = (raw: Float32Array): Float32Array => {
  let sum = 0;
  for (const v of raw) sum += v * v;
  const norm = Math.sqrt(sum);
  // The network never outputs an all-zero descriptor; guard anyway so a bad input cannot give NaN.
  return raw.map((v) => (norm > 0 ? v / norm : 0));
};

/** Opens the embedder; `modelFile` is the verified path from the ModelStore. */
export const loadFaceEmbedder = async (modelFile: string): Promise<FaceEmbedder> => {
  const session = await cachedSession(modelFile, { model: FACE_EMBEDDER_MODEL, inputs: [INPUT], outputs: [OUTPUT] });
  return {
    embed: (crops, tracer) =>
      tracer.step(
        'faces.embed',
        `Embedded ${crops.length} face${crops.length === 1 ? '' : 's'}`,
        async () => {
          if (crops.length === 0) return [];
          const chips = await Promise.all(crops.map(chipPixels));
          // RGB 0..255 NHWC, as @vladmandic/human feeds it.
          const input = new Float32Array(chips.length * CHIP_BYTES);
          chips.forEach((chip, i) => input.set(chip, i * CHIP_BYTES));
          const feeds = { [INPUT]: new ort.Tensor('float32', input, [chips.length, FACE_CHIP_SIZE, FACE_CHIP_SIZE, 3]) };
          const output = (await session.run(feeds))[OUTPUT];
          if (output === undefined || output.type !== 'float32') throw new AppError('MODEL_CORRUPT', `Model "${FACE_EMBEDDER_MODEL}" gave no float32 embedding`);
          const values = output.data as Float32Array;
          return chips.map((_, i) => l2Normalised(values.slice(i * EMBEDDING_DIMENSIONS, (i + 1) * EMBEDDING_DIMENSIONS)));
        },
        (embeddings) => ({ faces: embeddings.length }),
      ),
  };
};

/** The embedder of a model file, built once per thread (module state is per worker) and reused by every photo. */
export const sharedFaceEmbedder = cached((modelFile: string) => modelFile, loadFaceEmbedder);
