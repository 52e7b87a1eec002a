import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Store } from '../../src/store/store.js';
import { toGlobalId } from '../../resolvers/ids.js';
import { SAMPLES_DIR } from './samples.js';

const LAYOUT = JSON.parse(readFileSync(new URL('../fixtures/layouts/minutes-page.layout.json', import.meta.url), 'utf8')) as {
  width: number;
  height: number;
  layout: { lines: { text: string; chars: unknown[] }[] };
};

/** The stored layout of the sample minutes page: its lines and characters, for the tests' expectations. */
export const SAMPLE_LAYOUT = LAYOUT.layout;

export interface ExportCatalogue {
  /** The sample minutes page, with its real stored OCR layout and texts. */
  minutes: string;
  /** A second page, without a layout, placed first in the book. */
  cover: string;
  /** The sample panel photo, with one named and one unnamed face, in the category. */
  photo: string;
  book: string;
  category: string;
  figureName: string;
  /** Global ids, as the API and the export URLs use them. */
  global: { minutes: string; cover: string; photo: string; book: string; category: string };
}

/** A small catalogue written straight into the store: what the exports read, without running the pipelines. */
export async function seedExportCatalogue(store: Store): Promise<ExportCatalogue> {
  const page = await store.files.putImage(readFileSync(`${SAMPLES_DIR}minutes-page.jpg`));
  const coverImage = await store.files.putImage(await sharp({ create: { width: 300, height: 400, channels: 3, background: { r: 230, g: 220, b: 200 } } }).png().toBuffer());
  const photoImage = await store.files.putImage(readFileSync(`${SAMPLES_DIR}panel-photo.png`));

  const minutes = store.artefacts.create({ name: '議事簿 第一頁', originalFilename: 'minutes-page.jpg', fileSha256: page.sha256, kind: 'MM', kindSource: 'CLASSIFIER', createdBy: null });
  store.artefacts.writeFields(minutes.id, [
    { field: 'ocrLayout', value: JSON.stringify(LAYOUT.layout), origin: 'MACHINE', step: 'ocr.read', model: 'test' },
    { field: 'transcription', value: SAMPLE_LAYOUT.lines.map((l) => l.text).join('\n'), origin: 'MACHINE', step: 'ocr.read' },
    { field: 'translation', value: 'Minute book of the Singapore Chinese Chamber of Commerce', origin: 'MACHINE', step: 'llm.translation' },
    { field: 'summary', value: 'The founding of the Chamber, its rules and its first members.', origin: 'HUMAN' },
    { field: 'entities', value: JSON.stringify([{ text: 'Singapore', label: 'PLACE', source: 'offline-en' }]), origin: 'MACHINE', step: 'entities' },
  ]);
  const cover = store.artefacts.create({ name: 'Cover', originalFilename: 'cover.png', fileSha256: coverImage.sha256, kind: 'MM', kindSource: 'UPLOADER', createdBy: null });
  store.artefacts.writeFields(cover.id, [{ field: 'transcription', value: '封面', origin: 'HUMAN' }]);
  const photo = store.artefacts.create({ name: 'Panel discussion', originalFilename: 'panel-photo.png', fileSha256: photoImage.sha256, kind: 'HF', kindSource: 'CLASSIFIER', createdBy: null });
  store.artefacts.writeFields(photo.id, [{ field: 'caption', value: 'Speakers on the panel', origin: 'HUMAN' }]);

  const book = store.books.create({ title: '議事簿 1906', subtitle: 'First minute book' });
  store.books.place(book.id, minutes.id, null);
  store.books.place(book.id, cover.id, 0);
  const category = store.categories.create({ name: 'Forums', description: 'Panels and forums' });
  store.categories.addMember({ categoryId: category.id, artefactId: photo.id, reason: 'A panel', placedBy: 'HUMAN', model: null, userId: null });

  const figureName = 'Tan Kah Kee';
  const figure = store.figures.create({ label: figureName, headshotSha256: null, origin: 'SEED' });
  store.figures.addFace({ artefactId: photo.id, sourceSha256: null, figureId: figure.id, box: { x: 40, y: 30, w: 50, h: 60 }, assignment: 'HUMAN' });
  store.figures.addFace({ artefactId: photo.id, sourceSha256: null, figureId: null, box: { x: 200, y: 30, w: 50, h: 60 }, assignment: 'UNASSIGNED' });

  return {
    minutes: minutes.id,
    cover: cover.id,
    photo: photo.id,
    book: book.id,
    category: category.id,
    figureName,
    global: {
      minutes: toGlobalId('Artefact', minutes.id),
      cover: toGlobalId('Artefact', cover.id),
      photo: toGlobalId('Artefact', photo.id),
      book: toGlobalId('Book', book.id),
      category: toGlobalId('Category', category.id),
    },
  };
}
