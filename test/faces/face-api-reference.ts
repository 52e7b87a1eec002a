import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * face-api's own FaceRecognitionNet on tfjs's pure-JS CPU backend: the reference the ONNX rebuild
 * is checked against. Slow (about 0.7 s a face), so tests give it only a few faces.
 */
export interface FaceApiReference {
  /** Raw 128-d descriptor of a 150×150 RGB chip. */
  describe(chip: Uint8Array): Promise<Float32Array>;
}

export const loadFaceApiReference = async (): Promise<FaceApiReference> => {
  // The bundle's Node platform needs util.TextEncoder, which its browser-oriented ESM build stubs
  // out; declaring a worker scope makes tfjs take its browser platform, which Node 20 satisfies.
  const scope = globalThis as { WorkerGlobalScope?: unknown };
  scope.WorkerGlobalScope = class {};
  const faceapi = await import('@vladmandic/face-api/dist/face-api.esm.js');
  delete scope.WorkerGlobalScope;
  const { tf } = faceapi;
  // The bundle has these at run time; face-api's type declarations leave them out.
  const backends = tf as unknown as { setBackend(name: string): Promise<boolean>; ready(): Promise<void> };
  if (!(await backends.setBackend('cpu'))) throw new Error('tfjs CPU backend did not start');
  await backends.ready();
  const dir = path.resolve(process.cwd(), 'node_modules/@vladmandic/face-api/model');
  const manifest = JSON.parse(await readFile(path.join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8')) as {
    weights: Parameters<typeof tf.io.decodeWeights>[1];
  }[];
  const bin = await readFile(path.join(dir, 'face_recognition_model.bin'));
  const weights = tf.io.decodeWeights(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    manifest.flatMap((group) => group.weights),
  );
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weights);
  return {
    async describe(chip) {
      const input = tf.tensor3d(Float32Array.from(chip), [150, 150, 3]);
      try {
        const descriptor = await net.computeFaceDescriptor(input);
        if (!(descriptor instanceof Float32Array)) throw new Error('face-api returned a batch for one face');
        return descriptor;
      } finally {
        input.dispose();
      }
    },
  };
};
