import { drawOver } from '../overlays/picture.js';
import { faceMarks, type FaceMark } from '../overlays/faces.js';
import { parseLayout, textMarks } from '../overlays/text.js';
import type { Artefact } from '../store/repositories/artefacts.js';
import { isUntagged } from '../store/repositories/figures.js';
import type { Store } from '../store/store.js';

/** What an overlay shows: the faces on a photo, or what the OCR found on a page. */
export const OVERLAY_KINDS = ['FACES', 'TEXT'] as const;
export type OverlayKind = (typeof OVERLAY_KINDS)[number];

/**
 * Pictures for reviewers, drawn by the server on the artefact's image: faces with their figures'
 * names and assignment, or the OCR's lines in reading order, characters by confidence, notes and
 * seals. Access is checked where they are served (a session or a signed URL).
 */
export class Overlays {
  constructor(private readonly store: Store) {}

  /** Whether the artefact has anything to draw for this kind: faces on a photo, or a stored OCR layout. */
  applies(artefact: Artefact, kind: OverlayKind): boolean {
    if (kind === 'FACES') return artefact.kind === 'HF';
    return this.layoutOf(artefact.id) !== null;
  }

  /** The overlay as a JPEG; null when the artefact does not exist or has nothing to draw for the kind. */
  async render(artefactId: string, kind: OverlayKind): Promise<Buffer | null> {
    const artefact = this.store.artefacts.byId(artefactId);
    if (artefact === undefined || !this.applies(artefact, kind)) return null;
    const image = await this.store.files.read(artefact.fileSha256);
    if (kind === 'TEXT') {
      const layout = this.layoutOf(artefactId);
      return layout === null ? null : drawOver(image, (scale, width) => textMarks(layout, scale, width));
    }
    const faces = this.store.figures.facesOfArtefacts([artefactId]);
    const names = new Map(this.store.figures.byIds([...new Set(faces.flatMap((f) => (f.figureId === null ? [] : [f.figureId])))]).map((f) => [f.id, f.label]));
    const marks: FaceMark[] = faces.map((f) => ({
      box: f.box,
      name: f.figureId === null ? null : (names.get(f.figureId) ?? null),
      assignment: f.assignment,
      untagged: isUntagged(f),
    }));
    return drawOver(image, (scale, width) => faceMarks(marks, scale, width));
  }

  private layoutOf(artefactId: string) {
    const value = this.store.artefacts.currentFields([artefactId]).find((f) => f.field === 'ocrLayout')?.value;
    return value == null ? null : parseLayout(value);
  }
}
