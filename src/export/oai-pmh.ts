import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { parseGlobalId, toGlobalId } from '../../resolvers/ids.js';
import type { Viewer } from '../auth/viewer.js';
import { parseStoredEntities } from '../pipelines/language/entities.js';
import type { ArtefactRecord, ExportService } from '../services/exports.js';
import type { HarvestKey, HarvestSet } from '../store/repositories/harvest.js';
import type { ExportUrls } from './urls.js';

const OAI = 'http://www.openarchives.org/OAI/2.0/';
const OAI_DC = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
const DC = 'http://purl.org/dc/elements/1.1/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
/** Items per ListIdentifiers or ListRecords answer; the rest follows a resumption token. */
export const OAI_PAGE_SIZE = 100;

type ErrorCode =
  | 'badArgument'
  | 'badResumptionToken'
  | 'badVerb'
  | 'cannotDisseminateFormat'
  | 'idDoesNotExist'
  | 'noRecordsMatch'
  | 'noMetadataFormats'
  | 'noSetHierarchy';

/** A protocol error: answered inside a 200 OAI-PMH response, as the protocol asks. */
class OaiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// The arguments each verb takes: required ones, optional ones, and the exclusive resumptionToken.
const VERBS = {
  Identify: { required: [], optional: [], token: false },
  ListMetadataFormats: { required: [], optional: ['identifier'], token: false },
  ListSets: { required: [], optional: [], token: true },
  ListIdentifiers: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], token: true },
  ListRecords: { required: ['metadataPrefix'], optional: ['from', 'until', 'set'], token: true },
  GetRecord: { required: ['identifier', 'metadataPrefix'], optional: [], token: false },
} as const;
type Verb = keyof typeof VERBS;

/** What a list request carries from one page to the next. */
interface ListState {
  prefix: string;
  from: string;
  until: string;
  set: string | null;
  after: HarvestKey | null;
  /** Items sent before this page. */
  cursor: number;
}

export interface OaiContext {
  exports: ExportService;
  urls: ExportUrls;
  viewer: Viewer | null;
  adminEmail: string;
  now: Date;
}

/** OAI-PMH's datestamps: seconds in UTC. */
const datestamp = (iso: string): string => `${iso.slice(0, 19)}Z`;

/** A from/until argument as an inclusive ISO bound, and its granularity. */
function bound(value: string, name: string, end: boolean): { iso: string; day: boolean } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return { iso: `${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`, day: true };
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value) && !Number.isNaN(Date.parse(value))) return { iso: `${value.slice(0, 19)}.${end ? '999' : '000'}Z`, day: false };
  throw new OaiError('badArgument', `${name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ`);
}

const encodeToken = (s: ListState): string => Buffer.from(JSON.stringify(s)).toString('base64url');

function decodeToken(token: string): ListState {
  try {
    const s = JSON.parse(Buffer.from(token, 'base64url').toString()) as ListState;
    if (typeof s.prefix === 'string' && typeof s.from === 'string' && typeof s.until === 'string' && typeof s.cursor === 'number') return s;
  } catch {
    // Falls through to the protocol's error.
  }
  throw new OaiError('badResumptionToken', 'The resumption token is not one this repository gave');
}

/** A set's spec as a harvest filter: `category`, `book`, or one of them with its id after a colon. */
function harvestSet(spec: string | null): HarvestSet | null | undefined {
  if (spec === null) return null;
  const m = /^(category|book)(?::(.+))?$/.exec(spec);
  if (m === null) return undefined;
  const collection = m[1] as HarvestSet['collection'];
  if (m[2] === undefined) return { collection, id: null };
  const parsed = parseGlobalId(m[2]);
  return parsed !== null && parsed.type.toLowerCase() === collection ? { collection, id: parsed.id } : undefined;
}

class OaiAnswer {
  private readonly root: XMLBuilder;

  constructor(
    private readonly ctx: OaiContext,
    private readonly args: Record<string, string>,
    /** An argument given more than once, which makes the request badArgument. */
    private readonly repeated: string | undefined,
  ) {
    this.root = create({ version: '1.0', encoding: 'UTF-8' }).ele(OAI, 'OAI-PMH', {
      'xmlns:xsi': XSI,
      'xsi:schemaLocation': `${OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd`,
    });
    this.root.ele('responseDate').txt(datestamp(ctx.now.toISOString()));
  }

  private identifier(artefactId: string): string {
    return `oai:${this.ctx.urls.host}:${toGlobalId('Artefact', artefactId)}`;
  }

  private artefactIdOf(identifier: string): string {
    const prefix = `oai:${this.ctx.urls.host}:`;
    const parsed = identifier.startsWith(prefix) ? parseGlobalId(identifier.slice(prefix.length)) : null;
    if (parsed === null || parsed.type !== 'Artefact') throw new OaiError('idDoesNotExist', `${identifier} is not an identifier of this repository`);
    return parsed.id;
  }

  answer(): string {
    let request: XMLBuilder | undefined;
    try {
      const verb = this.validate();
      request = this.root.ele('request', this.args).txt(this.ctx.urls.oai());
      this[verb]();
    } catch (error) {
      if (!(error instanceof OaiError)) throw error;
      // After badVerb or badArgument the request element holds only the base URL.
      if (error.code === 'badVerb' || error.code === 'badArgument') {
        request?.remove();
        request = undefined;
      }
      request ??= this.root.ele('request').txt(this.ctx.urls.oai());
      this.root.ele('error', { code: error.code }).txt(error.message);
    }
    return this.root.end({ prettyPrint: true });
  }

  /** The verb when the arguments fit it; badVerb or badArgument otherwise. */
  private validate(): Verb {
    const verb = this.args.verb;
    if (this.repeated !== undefined) throw new OaiError('badArgument', `${this.repeated} is given more than once`);
    if (verb === undefined || !Object.hasOwn(VERBS, verb)) throw new OaiError('badVerb', verb === undefined ? 'No verb' : `${verb} is not an OAI-PMH verb`);
    const rule = VERBS[verb as Verb];
    const names = Object.keys(this.args).filter((n) => n !== 'verb');
    const allowed = new Set<string>([...rule.required, ...rule.optional, ...(rule.token ? ['resumptionToken'] : [])]);
    const unknown = names.find((n) => !allowed.has(n));
    if (unknown !== undefined) throw new OaiError('badArgument', `${verb} does not take ${unknown}`);
    if (names.includes('resumptionToken')) {
      if (names.length > 1) throw new OaiError('badArgument', 'resumptionToken is an exclusive argument');
    } else {
      const missing = rule.required.find((n) => !names.includes(n));
      if (missing !== undefined) throw new OaiError('badArgument', `${verb} needs ${missing}`);
    }
    return verb as Verb;
  }

  private Identify(): void {
    const el = this.root.ele('Identify');
    el.ele('repositoryName').txt('ArchAIve');
    el.ele('baseURL').txt(this.ctx.urls.oai());
    el.ele('protocolVersion').txt('2.0');
    el.ele('adminEmail').txt(this.ctx.adminEmail);
    el.ele('earliestDatestamp').txt(datestamp(this.ctx.exports.earliestChange(this.ctx.viewer) ?? this.ctx.now.toISOString()));
    // Deletions are kept in the audit log for good.
    el.ele('deletedRecord').txt('persistent');
    el.ele('granularity').txt('YYYY-MM-DDThh:mm:ssZ');
  }

  private ListMetadataFormats(): void {
    const { identifier } = this.args;
    if (identifier !== undefined && this.ctx.exports.harvested(this.ctx.viewer, this.artefactIdOf(identifier)) === undefined) {
      throw new OaiError('idDoesNotExist', `${identifier} is not in this repository`);
    }
    const format = this.root.ele('ListMetadataFormats').ele('metadataFormat');
    format.ele('metadataPrefix').txt('oai_dc');
    format.ele('schema').txt('http://www.openarchives.org/OAI/2.0/oai_dc.xsd');
    format.ele('metadataNamespace').txt(OAI_DC);
  }

  private ListSets(): void {
    if (this.args.resumptionToken !== undefined) throw new OaiError('badResumptionToken', 'ListSets is answered whole; there is nothing to resume');
    const { categories, books } = this.ctx.exports.collections(this.ctx.viewer);
    const list = this.root.ele('ListSets');
    const set = (spec: string, name: string) => {
      const el = list.ele('set');
      el.ele('setSpec').txt(spec);
      el.ele('setName').txt(name);
    };
    set('category', 'Event photos in categories');
    for (const c of categories) set(`category:${toGlobalId('Category', c.id)}`, c.name);
    set('book', 'Minutes pages in books');
    for (const b of books) set(`book:${toGlobalId('Book', b.id)}`, b.title);
  }

  private ListIdentifiers(): void {
    this.list('ListIdentifiers');
  }

  private ListRecords(): void {
    this.list('ListRecords');
  }

  private GetRecord(): void {
    this.checkPrefix(this.args.metadataPrefix as string);
    const identifier = this.args.identifier as string;
    const found = this.ctx.exports.harvested(this.ctx.viewer, this.artefactIdOf(identifier));
    if (found === undefined) throw new OaiError('idDoesNotExist', `${identifier} is not in this repository`);
    const record = this.root.ele('GetRecord').ele('record');
    if ('deletedAt' in found) this.deletedHeader(record, this.artefactIdOf(identifier), found.deletedAt);
    else this.record(record, found);
  }

  private checkPrefix(prefix: string): void {
    if (prefix !== 'oai_dc') throw new OaiError('cannotDisseminateFormat', `${prefix} is not a metadata format of this repository; oai_dc is`);
  }

  private state(): ListState {
    const { resumptionToken, metadataPrefix, from, until, set } = this.args;
    if (resumptionToken !== undefined) return decodeToken(resumptionToken);
    this.checkPrefix(metadataPrefix as string);
    const f = from === undefined ? undefined : bound(from, 'from', false);
    const u = until === undefined ? undefined : bound(until, 'until', true);
    if (f !== undefined && u !== undefined) {
      if (f.day !== u.day) throw new OaiError('badArgument', 'from and until must have the same granularity');
      if (f.iso > u.iso) throw new OaiError('badArgument', 'from is after until');
    }
    return { prefix: metadataPrefix as string, from: f?.iso ?? '0000', until: u?.iso ?? '9999', set: set ?? null, after: null, cursor: 0 };
  }

  private list(verb: 'ListIdentifiers' | 'ListRecords'): void {
    const state = this.state();
    const set = harvestSet(state.set);
    if (set === undefined) throw new OaiError('noRecordsMatch', `There is no set ${state.set}`);
    const { items, records, total } = this.ctx.exports.harvest(this.ctx.viewer, { from: state.from, until: state.until, set, after: state.after, limit: OAI_PAGE_SIZE });
    if (items.length === 0 && state.cursor === 0) throw new OaiError('noRecordsMatch', 'No records match the request');
    const list = this.root.ele(verb);
    for (const item of items) {
      const record = records.get(item.artefactId);
      if (record === undefined) {
        this.deletedHeader(verb === 'ListRecords' ? list.ele('record') : list, item.artefactId, item.stamp);
      } else if (verb === 'ListRecords') {
        this.record(list.ele('record'), record);
      } else {
        this.header(list, record);
      }
    }
    const last = items.at(-1);
    const sent = state.cursor + items.length;
    // The last page of a list ends with an empty token, as the protocol asks.
    const more = last !== undefined && sent < total;
    list
      .ele('resumptionToken', { completeListSize: total, cursor: state.cursor })
      .txt(more ? encodeToken({ ...state, after: { stamp: last.stamp, artefactId: last.artefactId }, cursor: sent }) : '');
  }

  private deletedHeader(parent: XMLBuilder, artefactId: string, stamp: string): void {
    const header = parent.ele('header', { status: 'deleted' });
    header.ele('identifier').txt(this.identifier(artefactId));
    header.ele('datestamp').txt(datestamp(stamp));
  }

  private header(parent: XMLBuilder, r: ArtefactRecord): void {
    const header = parent.ele('header');
    header.ele('identifier').txt(this.identifier(r.artefact.id));
    header.ele('datestamp').txt(datestamp(r.artefact.updatedAt));
    for (const c of r.categories) header.ele('setSpec').txt(`category:${toGlobalId('Category', c.id)}`);
    for (const b of r.books) header.ele('setSpec').txt(`book:${toGlobalId('Book', b.book.id)}`);
  }

  private record(parent: XMLBuilder, r: ArtefactRecord): void {
    this.header(parent, r);
    oaiDc(parent.ele('metadata'), r, this.ctx.urls);
  }
}

// Descriptions in the order a reader wants them, with the language each is written in.
const DESCRIPTIONS = [
  ['summary', 'en'],
  ['caption', 'en'],
  ['description', 'en'],
  ['translation', 'en'],
  ['transcription', 'zh-Hant'],
  ['bannerText', 'zh-Hant'],
  ['additionalInfo', null],
] as const;

/** An artefact as simple Dublin Core (oai_dc). */
function oaiDc(parent: XMLBuilder, r: ArtefactRecord, urls: ExportUrls): void {
  const dc = parent.ele(OAI_DC, 'oai_dc:dc', {
    'xmlns:dc': DC,
    'xmlns:xsi': XSI,
    'xsi:schemaLocation': `${OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd`,
  });
  const add = (name: string, value: string, lang: string | null = null) => dc.ele(DC, `dc:${name}`, lang === null ? {} : { 'xml:lang': lang }).txt(value);
  add('title', r.artefact.name);
  for (const [field, lang] of DESCRIPTIONS) {
    const value = r.fields.get(field);
    if (value !== undefined) add('description', value, lang);
  }
  const subjects = [
    ...r.categories.map((c) => c.name),
    ...parseStoredEntities(r.fields.get('entities')).map((e) => e.text),
    ...r.faces.flatMap((f) => (f.figureLabel === null ? [] : [f.figureLabel])),
  ];
  for (const s of new Set(subjects)) add('subject', s);
  add('date', r.artefact.createdAt.slice(0, 10));
  // DCMI Type Vocabulary.
  add('type', r.artefact.kind === 'MM' ? 'Text' : r.artefact.kind === 'HF' ? 'StillImage' : 'Image');
  add('format', r.artefact.mime);
  add('identifier', urls.artefactManifest(r.artefact.id));
  const languages = [
    ...(r.fields.has('transcription') || r.fields.has('bannerText') || r.artefact.kind === 'MM' ? ['zh-Hant'] : []),
    ...(['translation', 'summary', 'caption'] as const).some((f) => r.fields.has(f)) ? ['en'] : [],
  ];
  for (const l of languages) add('language', l);
  for (const b of r.books) add('relation', urls.bookManifest(b.book.id));
  for (const c of r.categories) add('relation', urls.categoryCollection(c.id));
}

/**
 * Answers one OAI-PMH 2.0 request (GET query or POST form arguments) as the XML document to send.
 * A repeated argument is badArgument. Access is the export service's: UNAUTHENTICATED is thrown, not answered.
 */
export function oaiResponse(args: Record<string, string | string[] | undefined>, ctx: OaiContext): string {
  const single: Record<string, string> = {};
  let repeated: string | undefined;
  for (const [name, value] of Object.entries(args)) {
    if (Array.isArray(value)) repeated ??= name;
    else if (value !== undefined) single[name] = value;
  }
  // Without a session (and not public), the whole request is refused rather than answered.
  ctx.exports.allow(ctx.viewer, 'OAI_PMH');
  return new OaiAnswer(ctx, single, repeated).answer();
}
