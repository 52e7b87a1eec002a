import { iou } from '../pipelines/faces/box.js';
import { FACE_EMBEDDER_MODEL } from '../pipelines/faces/embed.js';
import { addsDiversity, DEFAULT_MATCH_THRESHOLDS, deferMatch, matchFace, type FigureExemplars, type MatchDecision, type MatchThresholds, type SuggestionReason } from '../pipelines/faces/match.js';
import type { Box, FaceAssignment, NewFace } from '../store/repositories/figures.js';
import type { Store } from '../store/store.js';
import type { Tracer } from '../tracing/tracer.js';
import type { PhotoFace } from '../../workers/artefact-task.js';

/** What happened to one face. */
export interface IdentifiedFace {
  faceId: string;
  box: PhotoFace['box'];
  assignment: Exclude<FaceAssignment, 'HUMAN'>;
  /** The figure it was assigned to, or the new figure it founded. */
  figureId: string | null;
  figureLabel: string | null;
  suggestedFigureId: string | null;
  /** Best similarity to a known figure (null when none was known). */
  similarity: number | null;
  reason: SuggestionReason | 'new-figure' | 'too-small-to-found' | 'embedder-upgrade' | null;
  isExemplar: boolean;
}

// A detection this close to a face a person kept is that face again, not a new one.
const SAME_FACE_IOU = 0.5;

const asFaceBox = (b: Box) => ({ x: b.x, y: b.y, width: b.w, height: b.h });

/**
 * Decides who each detected face is against the figures in the store, and stores faces and new
 * figures. Runs on the main thread: matching is cheap, and figures must be read and written in one
 * place.
 *
 * Rules (docs/pipelines.md): assigned faces (AUTO) add an exemplar only when they add diversity;
 * uncertain ones are SUGGESTED with the best candidate; unknown faces of at least `minFacePx` found
 * a new unnamed figure (NEW) with a headshot; unknown smaller faces stay UNASSIGNED, because their
 * embeddings are too unreliable to found a figure on. While exemplars of another embedding model
 * wait to be embedded again (ReembedFaces), nothing is assigned and no figure founded: a face is
 * SUGGESTED (its best candidate) or UNASSIGNED, for the reason 'embedder-upgrade', and the trace
 * says so. The gallery is read once per photo, so two
 * faces of one photo are never matched to each other. A repeated run replaces the machine's faces
 * of the photo but never one a person placed, and adds no second face where one was kept.
 */
export class FaceIdentifier {
  /** No exemplar waits to be embedded again. */
  private upgraded = false;

  constructor(
    private readonly store: Store,
    private readonly thresholds: Readonly<MatchThresholds> = DEFAULT_MATCH_THRESHOLDS,
  ) {}

  private gallery(): FigureExemplars[] {
    const byFigure = new Map<string, Float32Array[]>();
    for (const e of this.store.figures.exemplars(FACE_EMBEDDER_MODEL)) {
      const list = byFigure.get(e.figureId) ?? [];
      list.push(e.embedding);
      byFigure.set(e.figureId, list);
    }
    return [...byFigure].map(([figureId, exemplars]) => ({ figureId, exemplars }));
  }

  /** Matches and stores the faces of one photo. `sourceSha256` is the photo in the file store, if stored. */
  async identifyFaces(input: { artefactId: string | null; sourceSha256: string | null; faces: readonly PhotoFace[] }, tracer: Tracer): Promise<IdentifiedFace[]> {
    return tracer.step(
      'faces.identify',
      `Identified ${input.faces.length} face${input.faces.length === 1 ? '' : 's'}`,
      () => this.identify(input, tracer),
      (faces) => {
        const count = (a: string): number => faces.filter((f) => f.assignment === a).length;
        const deferred = faces.filter((f) => f.reason === 'embedder-upgrade').length;
        return { auto: count('AUTO'), suggested: count('SUGGESTED'), newFigures: count('NEW'), unassigned: count('UNASSIGNED'), deferred };
      },
    );
  }

  /** What the rules decide for each face against the stored figures, without storing anything. */
  decide(faces: readonly PhotoFace[]): MatchDecision[] {
    return this.decideWith(this.gallery(), faces);
  }

  private decideWith(gallery: readonly FigureExemplars[], faces: readonly PhotoFace[]): MatchDecision[] {
    // Another model's embeddings come only from before this process (an older catalogue, a restore),
    // so once none wait, the count (a scan of every face) is not needed again.
    const waiting = this.upgraded ? 0 : this.store.figures.countEmbeddedOtherwise(FACE_EMBEDDER_MODEL).exemplars;
    this.upgraded = waiting === 0;
    return faces.map((face) =>
      waiting > 0 ? deferMatch(face.embedding, gallery, waiting) : matchFace(face.embedding, Math.max(face.box.w, face.box.h), gallery, this.thresholds),
    );
  }

  private async identify(input: { artefactId: string | null; sourceSha256: string | null; faces: readonly PhotoFace[] }, tracer: Tracer): Promise<IdentifiedFace[]> {
    // A repeated run replaces what the last one stored instead of adding the faces again.
    if (input.artefactId !== null) this.store.figures.clearMachineFaces(input.artefactId);
    const kept = input.artefactId === null ? [] : this.store.figures.facesOfArtefacts([input.artefactId]).map((f) => asFaceBox(f.box));
    const fresh = input.faces.filter((f) => !kept.some((k) => iou(k, asFaceBox(f.box)) >= SAME_FACE_IOU));
    const gallery = this.gallery();
    const { thresholds } = this;
    const planned = this.decideWith(gallery, fresh).map((decision, i) => ({ face: fresh[i] as PhotoFace, decision }));
    const deferred = planned.find((p) => p.decision.outcome === 'deferred')?.decision;
    if (deferred?.outcome === 'deferred') {
      tracer.report({
        source: 'faces.identify',
        level: 'warn',
        message: `${planned.length} face${planned.length === 1 ? '' : 's'} left for a person to identify: ${deferred.waitingExemplars} exemplars of known figures are still being embedded again with ${FACE_EMBEDDER_MODEL} (faces.reembed)`,
        data: { reason: deferred.reason, waitingExemplars: deferred.waitingExemplars },
      });
    }
    // Headshots first (async), so the rows are then written in one transaction.
    const headshots = await Promise.all(
      planned.map(async ({ face, decision }) =>
        decision.outcome === 'unknown' && decision.identifiable ? (await this.store.files.putImage(Buffer.from(face.headshotJpeg))).sha256 : null,
      ),
    );
    return this.store.db.transaction(() =>
      planned.map(({ face, decision }, i): IdentifiedFace => {
        const best = decision.candidates[0];
        const base: Omit<NewFace, 'assignment' | 'figureId'> = {
          artefactId: input.artefactId,
          sourceSha256: input.sourceSha256,
          box: face.box,
          detectorScore: face.score,
          quality: face.quality,
          embedding: face.embedding,
          embeddingModel: FACE_EMBEDDER_MODEL,
          similarity: best?.similarity ?? null,
        };
        const stored = (row: NewFace, reason: IdentifiedFace['reason']): IdentifiedFace => {
          const saved = this.store.figures.addFace(row);
          const label = saved.figureId === null ? null : (this.store.figures.byIds([saved.figureId])[0]?.label ?? null);
          return {
            faceId: saved.id,
            box: saved.box,
            assignment: row.assignment as IdentifiedFace['assignment'],
            figureId: saved.figureId,
            figureLabel: label,
            suggestedFigureId: saved.suggestedFigureId,
            similarity: saved.similarity,
            reason,
            isExemplar: saved.isExemplar,
          };
        };
        if (decision.outcome === 'assigned') {
          const exemplars = gallery.find((g) => g.figureId === decision.figureId)?.exemplars ?? [];
          return stored({ ...base, figureId: decision.figureId, assignment: 'AUTO', isExemplar: addsDiversity(face.embedding, exemplars, thresholds) }, null);
        }
        if (decision.outcome === 'suggested') {
          return stored({ ...base, figureId: null, assignment: 'SUGGESTED', suggestedFigureId: best?.figureId ?? null }, decision.reason);
        }
        if (decision.outcome === 'deferred') {
          // A plausible candidate is offered to a person; the face founds no figure, which may be one still waiting.
          return best !== undefined && best.similarity >= thresholds.suggest
            ? stored({ ...base, figureId: null, assignment: 'SUGGESTED', suggestedFigureId: best.figureId }, decision.reason)
            : stored({ ...base, figureId: null, assignment: 'UNASSIGNED' }, decision.reason);
        }
        const headshot = headshots[i] ?? null;
        if (headshot === null) return stored({ ...base, figureId: null, assignment: 'UNASSIGNED' }, 'too-small-to-found');
        const figure = this.store.figures.create({ label: null, headshotSha256: headshot, origin: 'PIPELINE' });
        return stored({ ...base, figureId: figure.id, assignment: 'NEW', isExemplar: true }, 'new-figure');
      }),
    );
  }

  /** Enrols one labelled face as an exemplar of the figure with that label (created when absent). */
  async enrol(label: string, face: PhotoFace, sourceSha256: string | null): Promise<{ figureId: string; faceId: string; created: boolean }> {
    const existing = this.store.figures.byLabel(label);
    const headshot = existing?.headshotSha256 ?? (await this.store.files.putImage(Buffer.from(face.headshotJpeg))).sha256;
    return this.store.db.transaction(() => {
      const figure = existing ?? this.store.figures.create({ label, headshotSha256: headshot, origin: 'SEED' });
      const saved = this.store.figures.addFace({
        artefactId: null,
        sourceSha256,
        figureId: figure.id,
        box: face.box,
        detectorScore: face.score,
        quality: face.quality,
        embedding: face.embedding,
        embeddingModel: FACE_EMBEDDER_MODEL,
        isExemplar: true,
        assignment: 'HUMAN',
      });
      return { figureId: figure.id, faceId: saved.id, created: existing === undefined };
    });
  }
}
