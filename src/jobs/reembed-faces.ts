import { isAppError } from '../errors.js';
import { cropFaceChip } from '../pipelines/faces/chip.js';
import { FACE_EMBEDDER_MODEL, type FaceEmbedder } from '../pipelines/faces/embed.js';
import { decodeRgb } from '../pipelines/faces/image.js';
import type { Face } from '../store/repositories/figures.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { Tracer } from '../tracing/tracer.js';

/** Faces taken from the store at a time (exemplars first, grouped by photo). */
const CHUNK = 64;

/**
 * Embeds again, with the current embedder, every stored face whose embedding another model made
 * (a catalogue enrolled before an embedder upgrade): embeddings of two models cannot be compared,
 * so those figures would otherwise silently stop matching. Each face is cut again from its stored
 * photo with the same box and framing the pipeline uses. The store is the queue: a face is done
 * when its row carries the current model, so a run stopped by a shutdown or a crash carries on at
 * the next start. A face whose photo is gone or unreadable cannot be embedded again: its old
 * embedding is dropped (it no longer takes part in matching) and the trace names it. Until the
 * exemplars are done, FaceIdentifier decides nothing and says why.
 *
 * Runs on the main thread, one photo at a time: onnxruntime and sharp work off the event loop, and
 * the worker pool stays free for artefacts.
 */
export class ReembedFaces {
  constructor(
    private readonly store: Store,
    private readonly traces: TraceWriter,
    private readonly embedder: () => Promise<FaceEmbedder>,
  ) {}

  /** Faces still to do. */
  pending(): number {
    return this.store.figures.countEmbeddedOtherwise(FACE_EMBEDDER_MODEL).faces;
  }

  /** Embeds every pending face again under one trace; stops between photos when `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const total = this.pending();
    if (total === 0) return;
    const traceId = this.traces.begin({ purpose: 'faces.reembed' });
    const tracer = new Tracer(this.traces.add, traceId);
    const counts = { embedded: 0, dropped: 0 };
    tracer.report({
      source: 'faces.reembed',
      message: `Embedding ${total} faces again with ${FACE_EMBEDDER_MODEL}: their embeddings were made by another model`,
      data: { total, model: FACE_EMBEDDER_MODEL },
    });
    try {
      const embedder = await this.embedder();
      for (;;) {
        const faces = this.store.figures.facesEmbeddedOtherwise(FACE_EMBEDDER_MODEL, CHUNK);
        if (faces.length === 0) break;
        for (const source of new Set(faces.map((f) => f.sourceSha256))) {
          if (signal.aborted) {
            this.traces.finish(traceId, 'interrupted');
            return;
          }
          await this.photo(source, faces.filter((f) => f.sourceSha256 === source), embedder, tracer, counts);
          const done = counts.embedded + counts.dropped;
          tracer.report({ source: 'faces.reembed', message: `${done} of ${total} faces done`, data: { done, total, ...counts } });
        }
      }
      tracer.report({ source: 'faces.reembed', message: `Done: ${counts.embedded} faces embedded again, ${counts.dropped} dropped`, data: { total, ...counts } });
      this.traces.finish(traceId, 'ok');
    } catch (error) {
      this.traces.finish(traceId, isAppError(error) ? error.code : 'INTERNAL');
      throw error;
    }
  }

  /** The faces of one photo (`source` null: faces stored without one). */
  private async photo(source: string | null, faces: readonly Face[], embedder: FaceEmbedder, tracer: Tracer, counts: { embedded: number; dropped: number }): Promise<void> {
    const drop = (why: string): void => {
      this.store.db.transaction(() => faces.forEach((f) => this.store.figures.setEmbedding(f.id, null, null)));
      counts.dropped += faces.length;
      tracer.report({
        source: 'faces.reembed',
        level: 'warn',
        message: `${faces.length === 1 ? '1 face no longer takes' : `${faces.length} faces no longer take`} part in matching: ${why}`,
        data: { faceIds: faces.map((f) => f.id), figureIds: [...new Set(faces.map((f) => f.figureId).filter((id) => id !== null))], sourceSha256: source },
      });
    };
    if (source === null) return drop('no photo was stored with them');
    let photo: Awaited<ReturnType<typeof decodeRgb>>;
    try {
      photo = await decodeRgb(await this.store.files.read(source));
    } catch (error) {
      return drop(`their photo ${source.slice(0, 12)}… cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    const chips = await Promise.all(faces.map(async (f) => ({ kind: 'rgb' as const, data: await cropFaceChip(photo, { x: f.box.x, y: f.box.y, width: f.box.w, height: f.box.h }) })));
    const embeddings = await embedder.embed(chips, tracer);
    this.store.db.transaction(() => faces.forEach((f, i) => this.store.figures.setEmbedding(f.id, embeddings[i] ?? null, FACE_EMBEDDER_MODEL)));
    counts.embedded += faces.length;
  }
}
