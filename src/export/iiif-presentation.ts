import type { ArtefactRecord } from '../services/exports.js';
import type { Artefact, MetadataField } from '../store/repositories/artefacts.js';
import type { Book } from '../store/repositories/books.js';
import type { Category } from '../store/repositories/categories.js';
import { maxSize } from './iiif-image.js';
import { boundsOf, textLines, type StoredLayout } from './stored-layout.js';
import type { ExportUrls } from './urls.js';

const CONTEXT = 'http://iiif.io/api/presentation/3/context.json';

/** A IIIF language map. */
type LanguageMap = Record<string, string[]>;
const none = (value: string): LanguageMap => ({ none: [value] });
const en = (value: string): LanguageMap => ({ en: [value] });

// The fields shown as metadata, with their label and the language they are written in.
const METADATA: readonly { field: MetadataField; label: string; language: string }[] = [
  { field: 'transcription', label: 'Transcription', language: 'zh-Hant' },
  { field: 'simplified', label: 'Simplified Chinese', language: 'zh-Hans' },
  { field: 'translation', label: 'Translation', language: 'en' },
  { field: 'caption', label: 'Caption', language: 'en' },
  { field: 'description', label: 'Description', language: 'en' },
  { field: 'bannerText', label: 'Banner text', language: 'zh-Hant' },
  { field: 'additionalInfo', label: 'Additional information', language: 'none' },
];
const THUMBNAIL_WIDTH = 256;
const KIND_LABEL = { MM: 'Meeting minutes', HF: 'Event photo' } as const;

function metadata(record: ArtefactRecord) {
  const entries = [{ label: en('Kind'), value: en(record.artefact.kind === null ? 'Not classified' : KIND_LABEL[record.artefact.kind]) }];
  for (const m of METADATA) {
    const value = record.fields.get(m.field);
    if (value !== undefined) entries.push({ label: en(m.label), value: { [m.language]: [value] } });
  }
  const lists: [string, string[]][] = [
    ['Categories', record.categories.map((c) => c.name)],
    ['Books', record.books.map((b) => `${b.book.title}, page ${b.position}`)],
    ['People', [...new Set(record.faces.flatMap((f) => (f.figureLabel === null ? [] : [f.figureLabel])))]],
  ];
  for (const [label, values] of lists) if (values.length > 0) entries.push({ label: en(label), value: { none: values } });
  return entries;
}

/** Per-line OCR text on the page, as supplementing annotations in reading order. */
function ocrAnnotations(urls: ExportUrls, record: ArtefactRecord, page: { width: number; height: number }) {
  const json = record.fields.get('ocrLayout');
  if (json === undefined) return [];
  const canvas = urls.canvas(record.artefact.id);
  const lines = textLines(JSON.parse(json) as StoredLayout);
  if (lines.length === 0) return [];
  return [
    {
      id: `${canvas}/annotations/ocr`,
      type: 'AnnotationPage',
      label: en('OCR text, line by line in reading order'),
      items: lines.map((line, i) => {
        const r = boundsOf(line.box, page);
        return {
          id: `${canvas}/annotations/ocr/${i + 1}`,
          type: 'Annotation',
          motivation: 'supplementing',
          body: { type: 'TextualBody', value: line.text, format: 'text/plain', language: 'zh-Hant' },
          target: `${canvas}#xywh=${r.x},${r.y},${r.w},${r.h}`,
        };
      }),
    },
  ];
}

/** Named people's faces, as tagging annotations. */
function faceAnnotations(urls: ExportUrls, record: ArtefactRecord, page: { width: number; height: number }) {
  const named = record.faces.filter((f) => f.figureLabel !== null);
  if (named.length === 0) return [];
  const canvas = urls.canvas(record.artefact.id);
  return [
    {
      id: `${canvas}/annotations/faces`,
      type: 'AnnotationPage',
      label: en('People'),
      items: named.map(({ face, figureLabel }, i) => {
        const { x, y, w, h } = face.box;
        const left = Math.max(0, Math.round(x));
        const top = Math.max(0, Math.round(y));
        const width = Math.max(1, Math.min(page.width - left, Math.round(w)));
        const height = Math.max(1, Math.min(page.height - top, Math.round(h)));
        return {
          id: `${canvas}/annotations/faces/${i + 1}`,
          type: 'Annotation',
          motivation: 'tagging',
          body: { type: 'TextualBody', value: figureLabel, format: 'text/plain' },
          target: `${canvas}#xywh=${left},${top},${width},${height}`,
        };
      }),
    },
  ];
}

/** A small picture of the artefact, at most 256 pixels wide (never upscaled). */
function thumbnail(urls: ExportUrls, artefact: Artefact) {
  const service = urls.imageService(artefact.id);
  const width = Math.min(THUMBNAIL_WIDTH, artefact.width ?? THUMBNAIL_WIDTH);
  return [{ id: `${service}/full/${width},/0/default.jpg`, type: 'Image', format: 'image/jpeg', service: [{ id: service, type: 'ImageService3', profile: 'level2' }] }];
}

/** The canvas of one artefact: its image (with the Image API service), OCR lines and named faces. */
function canvas(urls: ExportUrls, record: ArtefactRecord) {
  const { artefact } = record;
  const page = { width: artefact.width ?? 1, height: artefact.height ?? 1 };
  const id = urls.canvas(artefact.id);
  const service = urls.imageService(artefact.id);
  const full = maxSize(page);
  const annotations = [...ocrAnnotations(urls, record, page), ...faceAnnotations(urls, record, page)];
  return {
    id,
    type: 'Canvas',
    label: none(artefact.name),
    width: page.width,
    height: page.height,
    thumbnail: thumbnail(urls, artefact),
    items: [
      {
        id: `${id}/page`,
        type: 'AnnotationPage',
        items: [
          {
            id: `${id}/page/image`,
            type: 'Annotation',
            motivation: 'painting',
            body: {
              id: `${service}/full/max/0/default.jpg`,
              type: 'Image',
              format: 'image/jpeg',
              width: full.width,
              height: full.height,
              service: [{ id: service, type: 'ImageService3', profile: 'level2' }],
            },
            target: id,
          },
        ],
      },
    ],
    ...(annotations.length > 0 ? { annotations } : {}),
  };
}

/** A Presentation 3.0 manifest of one artefact: one canvas, its current fields as label, summary and metadata. */
export function artefactManifest(urls: ExportUrls, record: ArtefactRecord) {
  const summary = record.fields.get('summary') ?? record.fields.get('caption') ?? record.fields.get('description');
  return {
    '@context': CONTEXT,
    id: urls.artefactManifest(record.artefact.id),
    type: 'Manifest',
    label: none(record.artefact.name),
    ...(summary === undefined ? {} : { summary: en(summary) }),
    metadata: metadata(record),
    ...(record.artefact.kind === 'MM' ? { viewingDirection: 'right-to-left' } : {}),
    ...(record.fields.has('ocrLayout')
      ? {
          seeAlso: [
            { id: urls.pageXml(record.artefact.id), type: 'Dataset', format: 'application/xml', profile: 'http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15', label: en('PAGE XML') },
            { id: urls.alto(record.artefact.id), type: 'Dataset', format: 'application/xml', profile: 'http://www.loc.gov/standards/alto/ns-v4#', label: en('ALTO XML') },
          ],
        }
      : {}),
    items: [canvas(urls, record)],
  };
}

/** A book as one manifest: its pages' canvases in book order, read right to left like the minute books. */
export function bookManifest(urls: ExportUrls, book: Book, pages: readonly ArtefactRecord[]) {
  return {
    '@context': CONTEXT,
    id: urls.bookManifest(book.id),
    type: 'Manifest',
    label: none(book.title),
    ...(book.subtitle ? { summary: none(book.subtitle) } : {}),
    metadata: [{ label: en('Pages'), value: none(String(pages.length)) }],
    viewingDirection: 'right-to-left',
    behavior: ['paged'],
    items: pages.map((p) => canvas(urls, p)),
  };
}

/** A category as a collection of its members' manifests. */
export function categoryCollection(urls: ExportUrls, category: Category, members: readonly Artefact[]) {
  return {
    '@context': CONTEXT,
    id: urls.categoryCollection(category.id),
    type: 'Collection',
    label: none(category.name),
    ...(category.description ? { summary: none(category.description) } : {}),
    items: members.map((a) => ({
      id: urls.artefactManifest(a.id),
      type: 'Manifest',
      label: none(a.name),
      thumbnail: thumbnail(urls, a),
    })),
  };
}
