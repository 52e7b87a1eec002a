import path from 'node:path';
import type { ArtefactKind } from '../../src/artefact-kind.js';
import { ServerError, type ArchaiveClient } from './client.js';
import { imagesUnder, type LocalFile } from './files.js';
import { followProgress, type ProgressEvent } from './follow.js';
import { rememberBatch, rememberedBatch } from './state.js';

export interface ImportOptions {
  dir: string;
  name: string | null;
  kind: ArtefactKind | null;
}

export interface Failure {
  file: string;
  code: string;
  message: string;
}

export interface ImportReport {
  batchId: string | null;
  total: number;
  processed: number;
  failed: number;
  /** Files whose image was already in the catalogue (outside this batch) when they were uploaded. */
  duplicates: number;
  failures: Failure[];
  /** Stopped by Ctrl-C before every file was processed. */
  interrupted: boolean;
}

/** What the importer tells its user as it goes. */
export interface ImportObserver {
  uploading(sent: number, toSend: number): void;
  progress(event: ProgressEvent): void;
  failure(failure: Failure): void;
}

/** Set by Ctrl-C: the request in flight finishes, nothing new starts. */
export interface StopSignal {
  readonly stopped: boolean;
  /** Resolves when the stop is asked for. */
  readonly asked: Promise<void>;
}

// A request's files stay under this many bytes (however many the server allows), so that progress
// moves and an interrupted request loses little.
const REQUEST_BYTES = 64 * 1024 * 1024;
const FINISHED = new Set(['VETTING', 'INTEGRATING', 'COMPLETED']);
const DONE_STATUSES = new Set(['PROCESSED', 'CONFIRMED', 'INTEGRATED']);

const UPLOAD_PAYLOAD = 'batch { id stage } files { filename artefact { id } duplicateOf { id } error { code message } }';
const CREATE = `mutation($name: String!, $files: [Upload!]!, $kind: ArtefactKind) { createBatch(name: $name, files: $files, kind: $kind) { ${UPLOAD_PAYLOAD} } }`;
const ADD = `mutation($batchId: ID!, $files: [Upload!]!, $kind: ArtefactKind) { addToBatch(batchId: $batchId, files: $files, kind: $kind) { ${UPLOAD_PAYLOAD} } }`;
const START = 'mutation($batchId: ID!) { startBatch(batchId: $batchId) { stage } }';
const LIMITS = '{ uploadLimits { maxFilesPerUpload maxFileBytes } }';
const ENTRIES = `query($batchId: ID!, $after: String) { node(id: $batchId) { ... on Batch { stage artefacts(first: 100, after: $after) {
  nodes { image { sha256 } batchEntry { status errorCode errorMessage } } pageInfo { hasNextPage endCursor } } } } }`;

interface UploadPayload {
  batch: { id: string; stage: string } | null;
  files: { filename: string; artefact: { id: string } | null; duplicateOf: { id: string } | null; error: { code: string; message: string } | null }[];
}
interface Entry {
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
}

/** The batch's stage and each of its images' entries, by SHA-256; null when the batch is gone. */
async function batchState(client: ArchaiveClient, batchId: string): Promise<{ stage: string; entries: Map<string, Entry> } | null> {
  const entries = new Map<string, Entry>();
  let after: string | null = null;
  for (;;) {
    type Page = { node: { stage: string; artefacts: { nodes: { image: { sha256: string }; batchEntry: Entry | null }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null };
    let page: Page;
    try {
      page = await client.request<Page>(ENTRIES, { batchId, after });
    } catch (error) {
      if (error instanceof ServerError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
    if (page.node === null) return null;
    for (const a of page.node.artefacts.nodes) if (a.batchEntry !== null) entries.set(a.image.sha256, a.batchEntry);
    if (!page.node.artefacts.pageInfo.hasNextPage) return { stage: page.node.stage, entries };
    after = page.node.artefacts.pageInfo.endCursor;
  }
}

/** Groups files into requests within the server's file count and our byte budget. */
function requests(files: readonly LocalFile[], maxFiles: number): LocalFile[][] {
  const out: LocalFile[][] = [];
  let current: LocalFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length === maxFiles || bytes + f.bytes > REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.bytes;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Imports every image under `dir` into one batch and follows its processing. Run again on the
 * same directory it resumes the batch it remembers there: images already in it (same SHA-256) are
 * not sent again. Each file is added whole or not at all, so a stop between requests (or a request
 * cut off) leaves a consistent batch.
 */
export async function importDirectory(client: ArchaiveClient, options: ImportOptions, observer: ImportObserver, stop: StopSignal): Promise<ImportReport> {
  const files = await imagesUnder(options.dir);
  const failures = new Map<string, Failure>();
  const fail = (file: LocalFile, code: string, message: string) => {
    const failure = { file: file.relative, code, message };
    failures.set(file.relative, failure);
    observer.failure(failure);
  };
  let duplicates = 0;

  let batchId = await rememberedBatch(options.dir, client.url);
  let state = batchId === null ? null : await batchState(client, batchId);
  if (state === null) batchId = null;

  // One upload per image: a second copy under another name follows the first one's fate.
  const firstOfImage = new Map<string, LocalFile>();
  for (const f of files) if (!firstOfImage.has(f.sha256)) firstOfImage.set(f.sha256, f);
  const { uploadLimits: limits } = await client.request<{ uploadLimits: { maxFilesPerUpload: number; maxFileBytes: number } }>(LIMITS);
  const toSend: LocalFile[] = [];
  for (const f of firstOfImage.values()) {
    if (state?.entries.has(f.sha256)) continue;
    if (f.bytes > limits.maxFileBytes) fail(f, 'INVALID_IMAGE', `${f.bytes} bytes: larger than the server's limit of ${limits.maxFileBytes}`);
    else if (state !== null && state.stage !== 'UPLOAD_PENDING') fail(f, 'CONFLICT', `not in batch ${batchId}, which has been started (the file was refused before, or is new)`);
    else toSend.push(f);
  }

  let sent = 0;
  observer.uploading(sent, toSend.length);
  for (const group of requests(toSend, limits.maxFilesPerUpload)) {
    if (stop.stopped) break;
    const payload: UploadPayload =
      batchId === null
        ? (await client.upload<{ createBatch: UploadPayload }>(CREATE, { name: options.name ?? path.basename(path.resolve(options.dir)), kind: options.kind }, group)).createBatch
        : (await client.upload<{ addToBatch: UploadPayload }>(ADD, { batchId, kind: options.kind }, group)).addToBatch;
    if (batchId === null && payload.batch !== null) {
      batchId = payload.batch.id;
      await rememberBatch(options.dir, client.url, batchId);
    }
    for (const [i, outcome] of payload.files.entries()) {
      const file = group[i] as LocalFile;
      if (outcome.error !== null) fail(file, outcome.error.code, outcome.error.message);
      if (outcome.duplicateOf !== null) duplicates += 1;
    }
    sent += group.length;
    observer.uploading(sent, toSend.length);
  }

  state = batchId === null ? null : await batchState(client, batchId);
  if (batchId !== null && state !== null && !stop.stopped) {
    if (state.stage === 'UPLOAD_PENDING' || state.stage === 'CANCELLED') await client.request(START, { batchId });
    await followProgress(client, batchId, FINISHED, stop, (event) => {
      observer.progress(event);
      if (event.status === 'FAILED' && event.artefact !== null) {
        const file = firstOfImage.get(event.artefact.image.sha256);
        if (file !== undefined) fail(file, event.artefact.batchEntry?.errorCode ?? 'FAILED', event.artefact.batchEntry?.errorMessage ?? 'processing failed');
      }
    });
    state = await batchState(client, batchId);
  }

  // The final word is the server's: each file by its image's entry in the batch.
  let processed = 0;
  for (const f of files) {
    const entry = state?.entries.get(f.sha256);
    const first = firstOfImage.get(f.sha256) as LocalFile;
    const earlier = failures.get(first.relative);
    if (entry !== undefined && DONE_STATUSES.has(entry.status)) processed += 1;
    else if (entry?.status === 'FAILED') failures.set(f.relative, { file: f.relative, code: entry.errorCode ?? 'FAILED', message: entry.errorMessage ?? 'processing failed' });
    else if (earlier !== undefined) failures.set(f.relative, { ...earlier, file: f.relative });
  }
  const list = [...failures.values()].sort((a, b) => a.file.localeCompare(b.file));
  return { batchId, total: files.length, processed, failed: list.length, duplicates, failures: list, interrupted: stop.stopped && processed + list.length < files.length };
}
