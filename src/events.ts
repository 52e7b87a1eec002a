import mqemitter, { type MQEmitter } from 'mqemitter';
import type { CacheTable } from './cache/read-cache.js';
import type { BatchArtefactStatus, BatchStage } from './store/repositories/batches.js';
import type { StoredReport, Trace } from './store/repositories/traces.js';

export type EntityType = 'Artefact' | 'Category' | 'Book' | 'Figure' | 'Face' | 'FigureChange' | 'Batch' | 'User';
export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

export interface CatalogueChange {
  entity: EntityType;
  id: string;
  change: ChangeKind;
  at: string;
}

/** What the catalogue integrator did with one artefact of a batch. */
export type IntegrationOutcome = 'ASSIGNED' | 'REVISED' | 'CREATED' | 'FAILED' | 'SKIPPED' | 'NOT_APPLICABLE';

export interface IntegrationProgress {
  batchId: string;
  /** Artefacts handled so far, and how many the run has. */
  done: number;
  total: number;
  /** The artefact just handled; null on the closing event. */
  artefactId: string | null;
  outcome: IntegrationOutcome | null;
  message: string;
  finished: boolean;
  at: string;
}

/** One step of one artefact of a batch, with the batch's totals; also a subscription's first event. */
export interface BatchProgressEvent {
  batchId: string;
  seq: number;
  artefactId: string | null;
  status: BatchArtefactStatus | null;
  step: string | null;
  stage: BatchStage;
  total: number;
  done: number;
  failed: number;
  /** Seconds left at the average pace so far; null until one artefact has finished. */
  etaSeconds: number | null;
  at: string;
}

/**
 * What happened in a batch's traces: a run began, one of its steps reported, a run ended; and, once
 * per subscription, SNAPSHOT: the stored events were all sent, the live ones follow.
 */
export type TraceEventKind = 'TRACE_STARTED' | 'REPORT' | 'TRACE_FINISHED' | 'SNAPSHOT';

export interface TraceEvent {
  batchId: string;
  /**
   * The event's number among its batch's trace events (1, 2, 3, … kept across restarts); on
   * SNAPSHOT the batch's last number, which that event does not take.
   */
  seq: number;
  kind: TraceEventKind;
  /** The run; null on SNAPSHOT. */
  trace: Trace | null;
  /** REPORT only. */
  report: StoredReport | null;
  /** Sent from the store when the subscription began, rather than live. */
  replayed: boolean;
  at: string;
}

/** Every subscription topic, and so every live event the server publishes. */
export const TOPICS = {
  catalogueChanged: 'CATALOGUE_CHANGED',
  /** One topic per batch, so a subscriber hears only the batch it watches. */
  batchProgress: (batchId: string): string => `BATCH_PROGRESS_${batchId}`,
  /** One topic per batch, so a subscriber hears only the run it watches. */
  integrationProgress: (batchId: string): string => `INTEGRATION_PROGRESS_${batchId}`,
  /** One topic per batch: every trace event of its runs (an artefact's subscribers filter it). */
  traceEvents: (batchId: string): string => `TRACE_EVENTS_${batchId}`,
  /** Not a GraphQL subscription: tells the WebSocket edge to check the user's open sockets again. */
  sessionsRevoked: 'SESSIONS_REVOKED',
  /** Not a GraphQL subscription: reads cached by other API instances to drop (shared over Redis). */
  cacheInvalidated: 'CACHE_INVALIDATED',
  /** Not a GraphQL subscription: work a secondary API instance queued, for the primary's job queue. */
  queueCommand: 'QUEUE_COMMAND',
} as const;

/** An instance wrote to these tables; the others drop their reads of them. */
export interface CacheInvalidated {
  /** The writing instance, which has already dropped its own. */
  instance: string;
  tables: CacheTable[];
}

/** wake: look for work in the database; cancel: stop the batch's running artefacts. */
export type QueueCommand = { command: 'wake' } | { command: 'cancel'; batchId: string };

/** Some or all of a user's sessions ended early (sign-out, revocation, role change, password, deletion). */
export interface SessionsRevoked {
  userId: string;
}

/**
 * The event bus behind GraphQL subscriptions, and the only place that publishes on it: in-process
 * mqemitter by default; an mqemitter-redis instance can be passed in to share events across API
 * instances.
 */
export class Events {
  constructor(readonly emitter: MQEmitter = mqemitter()) {}

  catalogueChanged(change: CatalogueChange): void {
    this.emitter.emit({ topic: TOPICS.catalogueChanged, payload: { catalogueChanged: change } });
  }

  batchProgress(progress: BatchProgressEvent): void {
    this.emitter.emit({ topic: TOPICS.batchProgress(progress.batchId), payload: { batchProgress: progress } });
  }

  integrationProgress(progress: IntegrationProgress): void {
    this.emitter.emit({ topic: TOPICS.integrationProgress(progress.batchId), payload: { integrationProgress: progress } });
  }

  traceEvent(event: TraceEvent): void {
    this.emitter.emit({ topic: TOPICS.traceEvents(event.batchId), payload: { traceEvents: event } });
  }

  sessionsRevoked(revoked: SessionsRevoked): void {
    this.emitter.emit({ topic: TOPICS.sessionsRevoked, payload: revoked });
  }

  onSessionsRevoked(listener: (revoked: SessionsRevoked) => void): void {
    this.listen(TOPICS.sessionsRevoked, listener);
  }

  cacheInvalidated(invalidated: CacheInvalidated): void {
    this.emitter.emit({ topic: TOPICS.cacheInvalidated, payload: invalidated });
  }

  onCacheInvalidated(listener: (invalidated: CacheInvalidated) => void): void {
    this.listen(TOPICS.cacheInvalidated, listener);
  }

  queueCommand(command: QueueCommand): void {
    this.emitter.emit({ topic: TOPICS.queueCommand, payload: command });
  }

  onQueueCommand(listener: (command: QueueCommand) => void): void {
    this.listen(TOPICS.queueCommand, listener);
  }

  /** The topics that are not GraphQL subscriptions carry their payload as it is. */
  private listen<T>(topic: string, listener: (payload: T) => void): void {
    this.emitter.on(topic, (message, done) => {
      listener(message.payload as T);
      done();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.emitter.close(() => resolve()));
  }
}
