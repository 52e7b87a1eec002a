import type { PortMessage, SerialisedError } from '../src/pool/messages.js';
import type { ArtefactResult, ArtefactTask, PhotoFace } from './artefact-task.js';

/**
 * The wire format between the API and remote workers (BullMQ on Redis). Job data and results are
 * JSON there, so bytes travel as base64: the image inside the job (Redis is the shared store; it is
 * deleted with the job), the embeddings and headshots inside the result.
 */
export const REMOTE_QUEUE = 'archaive-artefacts';

/** Set by the API when a running job is cancelled; the worker checks it between polls. */
export const cancelKey = (jobId: string): string => `archaive:cancel:${jobId}`;

type WireTask = Omit<ArtefactTask, 'image'> & { image: string };
type WireFace = Omit<PhotoFace, 'embedding' | 'headshotJpeg'> & { embedding: string; headshotJpeg: string };
export type WireResult = Omit<ArtefactResult, 'faces'> & { faces: WireFace[] };

export interface RemoteJobData {
  task: WireTask;
  /** The trace the worker's reports belong to. */
  traceId: string;
  tracing: boolean;
}

/** What a worker sends while it runs (job progress): the same messages a thread posts on its port. */
export type RemoteProgress = Exclude<PortMessage, { type: 'end' }>;

/** A job's return value: like a thread's, every failure comes back as a value, so a failed job means a lost worker. */
export type RemoteOutcome = { ok: true; value: WireResult } | { ok: false; error: SerialisedError };

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
/** A copy in an ArrayBuffer of its own (a Buffer may be a view into a shared pool). */
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

export const encodeTask = (task: ArtefactTask): WireTask => ({ ...task, image: base64(task.image) });
export const decodeTask = (task: WireTask): ArtefactTask => ({ ...task, image: bytes(task.image) });

export const encodeResult = (result: ArtefactResult): WireResult => ({
  ...result,
  faces: result.faces.map((f) => ({ ...f, embedding: base64(new Uint8Array(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength)), headshotJpeg: base64(f.headshotJpeg) })),
});

export const decodeResult = (result: WireResult): ArtefactResult => ({
  ...result,
  // bytes() copies into a buffer of its own, so the floats start at offset 0.
  faces: result.faces.map((f) => ({ ...f, embedding: new Float32Array(bytes(f.embedding).buffer), headshotJpeg: bytes(f.headshotJpeg) })),
});
