import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { toGlobalId } from '../../resolvers/ids.js';
import { parseStoredEntities } from '../pipelines/language/entities.js';
import type { ArtefactRecord } from '../services/exports.js';
import type { MetadataField } from '../store/repositories/artefacts.js';
import type { ExportUrls } from './urls.js';

// The text fields, as columns; the OCR layout (JSON boxes) is in the PAGE and ALTO exports instead.
const TEXT_FIELDS: readonly MetadataField[] = [
  'transcription',
  'ocrTranscription',
  'simplified',
  'translation',
  'summary',
  'caption',
  'bannerText',
  'description',
  'additionalInfo',
];
/** Several values in one cell. */
const SEPARATOR = '; ';

type Row = Record<string, string | number | null>;

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return first) gets
 * an apostrophe in front, which spreadsheets show as text: names and texts come from uploads,
 * people and language models, and must not run when the file is opened (OWASP's CSV injection advice).
 */
const defused = (value: string | number | null): string | number | null => (typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

function row(r: ArtefactRecord, urls: ExportUrls): Row {
  return Object.fromEntries(Object.entries(cells(r, urls)).map(([k, v]) => [k, defused(v)]));
}

function cells(r: ArtefactRecord, urls: ExportUrls): Row {
  const { artefact } = r;
  return {
    id: toGlobalId('Artefact', artefact.id),
    name: artefact.name,
    kind: artefact.kind,
    originalFilename: artefact.originalFilename,
    mime: artefact.mime,
    width: artefact.width,
    height: artefact.height,
    createdAt: artefact.createdAt,
    updatedAt: artefact.updatedAt,
    ...Object.fromEntries(TEXT_FIELDS.map((f) => [f, r.fields.get(f) ?? null])),
    entities: parseStoredEntities(r.fields.get('entities')).map((e) => e.text).join(SEPARATOR),
    categories: r.categories.map((c) => c.name).join(SEPARATOR),
    books: r.books.map((b) => `${b.book.title} (page ${b.position})`).join(SEPARATOR),
    people: [...new Set(r.faces.flatMap((f) => (f.figureLabel === null ? [] : [f.figureLabel])))].join(SEPARATOR),
    iiifManifestUrl: urls.artefactManifest(artefact.id),
  };
}

export const CSV_COLUMNS = ['id', 'name', 'kind', 'originalFilename', 'mime', 'width', 'height', 'createdAt', 'updatedAt', ...TEXT_FIELDS, 'entities', 'categories', 'books', 'people', 'iiifManifestUrl'];

/**
 * The catalogue as CSV, streamed a page of artefacts at a time: UTF-8 with a byte-order mark (so
 * spreadsheet programs read the Chinese right), a header row, one row per artefact with its current
 * fields, formulas defused.
 */
export function catalogueCsv(pages: Iterable<ArtefactRecord[]>, urls: ExportUrls): Readable {
  const rows = Readable.from(
    (function* () {
      for (const page of pages) for (const r of page) yield row(r, urls);
    })(),
  );
  const csv = stringify({ bom: true, header: true, columns: CSV_COLUMNS, record_delimiter: 'windows' });
  rows.on('error', (error) => csv.destroy(error));
  return rows.pipe(csv);
}
