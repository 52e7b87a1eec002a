import type { Config } from '../config.js';
import type { LlmInterface } from '../llm/llm-interface.js';
import type { Store } from '../store/store.js';
import type { TraceWriter } from '../tracing/trace-writer.js';
import { ArchivusService } from './archivus.js';
import { ArtefactService } from './artefacts.js';
import { AuditService } from './audit.js';
import { AuthService } from './auth.js';
import { BatchService } from './batches.js';
import { CatalogueReads } from './catalogue-reads.js';
import { ChangeRecorder } from './changes.js';
import { CollectionService } from './collections.js';
import { Events } from './events.js';
import { FigureService } from './figures.js';
import { ImportProcessor, type ArtefactPipeline } from './import-processor.js';
import { IntegrationService } from './integration.js';
import { Mailer } from '../mail/mailer.js';
import { ReadCache } from '../cache/read-cache.js';
import { UserService } from './users.js';

export type Log = (message: string, error: unknown) => void;

/** Every service, wired once at boot over one store. */
export function createServices(
  config: Config,
  store: Store,
  log: Log,
  pipeline: ArtefactPipeline,
  traces: TraceWriter,
  llm: LlmInterface,
  events = new Events(),
) {
  const audit = new AuditService(store.audit);
  const mailer = new Mailer(config.smtp);
  const cache = new ReadCache(config.cache);
  const changes = new ChangeRecorder(audit, cache, events);
  const processor = new ImportProcessor(store, events, cache, pipeline, config.workers, log);
  return {
    store,
    audit,
    mailer,
    cache,
    events,
    reads: new CatalogueReads(store, cache),
    auth: new AuthService(store, audit, mailer, config, log),
    users: new UserService(store, audit, mailer, config, log),
    artefacts: new ArtefactService(store, changes),
    collections: new CollectionService(store, changes),
    figures: new FigureService(store, changes),
    llm,
    archivus: new ArchivusService(store, llm, traces),
    integration: new IntegrationService(store, llm, changes, events, log, traces),
    processor,
    batches: new BatchService(store, changes, processor, config.uploads.maxFiles),
  };
}

export type Services = ReturnType<typeof createServices>;
