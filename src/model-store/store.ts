import { stat, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../errors.js';
import { cached } from './cached.js';
import { sha256File } from './checksum.js';
import { readModelContext, type ModelEntry } from './context.js';
import { downloadVerified } from './download.js';
import { defaultContextFile, findPackageDir } from './locate.js';

export type ModelState = 'ok' | 'missing' | 'corrupt';

/** What the `models` query and `npm run models:verify` show for one model. */
export interface ModelStatus {
  name: string;
  task: string;
  status: ModelState;
  /** Where it comes from: "npm:<package>/<path>", "file:<path>" or "url:<url>". */
  source: string;
  licence: string;
  /** The expected checksum from the registry. */
  sha256: string;
  bytes: number;
  required: boolean;
  /** Where the file is (or is expected) on this machine; null when its package is not installed. */
  path: string | null;
  /** Why it is not ok and how to get it; null when ok. */
  message: string | null;
}

export interface ModelStoreOptions {
  /** The registry; defaults to models/context.json at the repository root. */
  contextFile?: string;
  /** Where URL-sourced models are downloaded, e.g. `<DATA_DIR>/models`. */
  cacheDir: string;
  downloadTimeoutMs?: number;
  /** Where the node_modules lookup for package sources starts; defaults to this module's folder. */
  packageSearchFrom?: string;
}

/**
 * The registry of model files: resolves each entry to a file on this machine and verifies its
 * sha256 before anything loads it. A required model that is missing or corrupt stops the boot with
 * an AppError (MODEL_MISSING / MODEL_CORRUPT) that names the model and says how to get it.
 */
export class ModelStore {
  /** Checks that came out ok, kept for the life of the process (files under us do not change). */
  private readonly verified = cached(
    (name) => name,
    async (name: string, download: boolean) => this.checkNow(this.entry(name), download),
    (status) => status.status === 'ok',
  );
  private readonly downloads = new Map<string, Promise<void>>();

  private constructor(
    readonly contextFile: string,
    private readonly models: readonly ModelEntry[],
    private readonly options: ModelStoreOptions,
  ) {}

  static async open(options: ModelStoreOptions): Promise<ModelStore> {
    const contextFile = options.contextFile ?? defaultContextFile();
    return new ModelStore(contextFile, await readModelContext(contextFile), options);
  }

  entries(): readonly ModelEntry[] {
    return this.models;
  }

  entry(name: string): ModelEntry {
    const found = this.models.find((m) => m.name === name);
    if (found === undefined) throw new AppError('MODEL_MISSING', `Model "${name}" is not listed in ${this.contextFile}`, { model: name });
    return found;
  }

  /** The verified local path of a model, downloading a URL source first if needed. */
  async path(name: string): Promise<string> {
    const status = await this.check(name, { download: true });
    if (status.status !== 'ok' || status.path === null) {
      throw new AppError(status.status === 'corrupt' ? 'MODEL_CORRUPT' : 'MODEL_MISSING', status.message ?? `Model "${name}" is not usable`, {
        model: name,
      });
    }
    return status.path;
  }

  /** Every model's status; `download` fetches URL sources that are not cached yet. */
  async verifyAll(options: { download: boolean }): Promise<ModelStatus[]> {
    const statuses: ModelStatus[] = [];
    // One at a time: hashing is disk-bound and downloads should not compete.
    for (const entry of this.models) statuses.push(await this.check(entry.name, options));
    return statuses;
  }

  /** Boot check: downloads and verifies every required model; throws for the first one that fails, listing all. */
  async ensureRequired(): Promise<ModelStatus[]> {
    const statuses: ModelStatus[] = [];
    for (const entry of this.models) if (entry.required) statuses.push(await this.check(entry.name, { download: true }));
    const failed = statuses.filter((s) => s.status !== 'ok');
    const first = failed[0];
    if (first !== undefined) {
      const message = failed.map((s) => s.message ?? s.name).join('\n');
      throw new AppError(first.status === 'corrupt' ? 'MODEL_CORRUPT' : 'MODEL_MISSING', message, { models: failed.map((s) => s.name) });
    }
    return statuses;
  }

  check(name: string, options: { download: boolean }): Promise<ModelStatus> {
    return this.verified(name, options.download);
  }

  private async checkNow(entry: ModelEntry, download: boolean): Promise<ModelStatus> {
    const { source } = entry;
    const base = {
      name: entry.name,
      task: entry.task,
      source: describeSource(entry),
      licence: entry.licence,
      sha256: entry.sha256,
      bytes: entry.bytes,
      required: entry.required,
    };
    const missing = (file: string | null, message: string): ModelStatus => ({ ...base, status: 'missing', path: file, message });

    if (source.kind === 'package') {
      const dir = findPackageDir(source.package, this.options.packageSearchFrom);
      if (dir === undefined) {
        return missing(null, `Model "${entry.name}" is missing: npm package ${source.package} is not installed; run \`npm install\` (it is a dependency in package.json)`);
      }
      const file = path.join(dir, source.path);
      const problem = await this.fileProblem(entry, file);
      if (problem === null) return { ...base, status: 'ok', path: file, message: null };
      const fix = `reinstall the package: \`npm install ${source.package}\``;
      return { ...base, status: problem.state, path: file, message: `Model "${entry.name}" ${problem.text} (from npm package ${source.package}); ${fix}` };
    }

    if (source.kind === 'file') {
      const file = path.resolve(path.dirname(this.contextFile), source.path);
      const problem = await this.fileProblem(entry, file);
      if (problem === null) return { ...base, status: 'ok', path: file, message: null };
      const fix = `it is committed to the repository: restore it with \`git checkout -- ${path.relative(process.cwd(), file)}\``;
      return { ...base, status: problem.state, path: file, message: `Model "${entry.name}" ${problem.text}; ${fix}` };
    }

    const file = path.join(this.options.cacheDir, source.fileName ?? `${entry.name}${path.extname(new URL(source.url).pathname)}`);
    let problem = await this.fileProblem(entry, file);
    if (problem !== null && download) {
      // A corrupt cached copy is replaced; the download itself verifies before it renames into place.
      if (problem.state === 'corrupt') await rm(file, { force: true });
      try {
        await this.downloadOnce(entry, source.url, file);
      } catch (error) {
        if (!isAppError(error)) throw error;
        return { ...base, status: error.code === 'MODEL_CORRUPT' ? 'corrupt' : 'missing', path: file, message: error.message };
      }
      problem = await this.fileProblem(entry, file);
    }
    if (problem === null) return { ...base, status: 'ok', path: file, message: null };
    const fix = `it is downloaded from ${source.url} at boot (or by \`npm run models:verify -- --download\`), or place the file there yourself`;
    return { ...base, status: problem.state, path: file, message: `Model "${entry.name}" ${problem.text}; ${fix}` };
  }

  private async downloadOnce(entry: ModelEntry, url: string, target: string): Promise<void> {
    const running = this.downloads.get(entry.name);
    if (running !== undefined) return running;
    const started = downloadVerified({ name: entry.name, url, sha256: entry.sha256, target, timeoutMs: this.options.downloadTimeoutMs ?? 10 * 60_000 });
    this.downloads.set(entry.name, started);
    try {
      await started;
    } finally {
      this.downloads.delete(entry.name);
    }
  }

  /** null when the file exists with the registered size and sha256. */
  private async fileProblem(entry: ModelEntry, file: string): Promise<{ state: 'missing' | 'corrupt'; text: string } | null> {
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) return { state: 'missing', text: `is missing: ${file} does not exist` };
    // Size first: a truncated file is caught without hashing it.
    if (info.size !== entry.bytes) {
      return { state: 'corrupt', text: `is corrupt: ${file} has ${info.size} bytes, expected ${entry.bytes}` };
    }
    const actual = await sha256File(file);
    if (actual !== entry.sha256) return { state: 'corrupt', text: `is corrupt: ${file} has sha256 ${actual}, expected ${entry.sha256}` };
    return null;
  }
}

const describeSource = (entry: ModelEntry): string => {
  const { source } = entry;
  switch (source.kind) {
    case 'package':
      return `npm:${source.package}/${source.path}`;
    case 'file':
      return `file:${source.path}`;
    case 'url':
      return `url:${source.url}`;
  }
};
