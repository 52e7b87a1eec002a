import { badInput, notFound } from '../errors.js';
import { TOPICS, type TraceEvent } from '../events.js';
import type { Listing, PageArgs } from '../store/pagination.js';
import type { StoredReport, Trace } from '../store/repositories/traces.js';
import type { Store } from '../store/store.js';
import { finishedEvent, reportEvent, startedEvent } from '../tracing/trace-events.js';
import { levelsFrom, type TraceLevel } from '../tracing/tracer.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

/** What a trace-event subscription asked for, its ids checked. */
export interface TraceEventScope {
  batchId: string;
  /** Only this artefact's runs; null for all of the batch's. */
  artefactId: string | null;
  levels: readonly TraceLevel[];
  afterSeq: number;
  topic: string;
}

/** What the pipelines and language steps did, step by step (any signed-in user). */
export class TraceService {
  constructor(private readonly store: Store) {}

  page(viewer: Viewer | null, args: PageArgs, filter: { artefactId: string | null; batchId: string | null }): Listing<Trace> {
    requireViewer(viewer);
    return this.store.traces.page(args, filter);
  }

  byIds(viewer: Viewer | null, ids: readonly string[]): Trace[] {
    requireViewer(viewer);
    return this.store.traces.byIds(ids);
  }

  /**
   * A trace's reports. What a language-model provider said about a failure (`data.providerDetail`,
   * secrets already masked) is for the superuser only: everyone else sees the typed reason.
   */
  reports(viewer: Viewer | null, traceId: string, args: PageArgs, filter: { level: TraceLevel | null }): Listing<StoredReport> {
    const { user } = requireViewer(viewer);
    const listed = this.store.traces.reports(traceId, args, filter);
    if (user.role === 'SUPERUSER') return listed;
    return { ...listed, page: { ...listed.page, items: listed.page.items.map(withoutProviderDetail) } };
  }

  /** Checks a trace-event subscription's arguments (an artefact alone means its batch's events about it). */
  eventScope(viewer: Viewer | null, args: { batchId: string | null; artefactId: string | null; level: TraceLevel | null; afterSeq: number | null }): TraceEventScope {
    requireViewer(viewer);
    if (args.batchId === null && args.artefactId === null) throw badInput('Give batchId, artefactId or both', 'batchId');
    if (args.afterSeq !== null && args.afterSeq < 0) throw badInput('afterSeq cannot be negative', 'afterSeq');
    let batchId = args.batchId;
    if (args.artefactId !== null) {
      const entry = this.store.batches.entriesOf([args.artefactId])[0];
      if (entry === undefined) throw notFound('Artefact', args.artefactId);
      if (batchId !== null && entry.batchId !== batchId) throw badInput(`Artefact ${args.artefactId} is not in batch ${batchId}`, 'artefactId');
      batchId = entry.batchId;
    }
    if (batchId === null || this.store.batches.byIds([batchId]).length === 0) throw notFound('Batch', batchId ?? undefined);
    return { batchId, artefactId: args.artefactId, levels: levelsFrom(args.level ?? 'debug'), afterSeq: args.afterSeq ?? 0, topic: TOPICS.traceEvents(batchId) };
  }

  /**
   * The stored events in the scope, numbered after `afterSeq`, then SNAPSHOT with the batch's last
   * number. Read after subscribing to the topic: a live event numbered up to SNAPSHOT's is a repeat.
   */
  eventSnapshot(viewer: Viewer | null, scope: TraceEventScope): TraceEvent[] {
    requireViewer(viewer);
    const traces = this.store.traces.ofBatch(scope.batchId, scope.artefactId);
    const byId = new Map(traces.map((t) => [t.id, t]));
    const reports = this.store.traces
      .numberedReports(scope.batchId, scope.artefactId, scope.levels)
      .flatMap((r) => {
        const trace = byId.get(r.tracerId);
        return trace === undefined ? [] : reportEvent(trace, r, true);
      });
    const stored = [...traces.flatMap((t) => [...startedEvent(t, true), ...finishedEvent(t, true)]), ...reports]
      .filter((e) => e.seq > scope.afterSeq)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => this.shown(viewer, e));
    const last = this.store.traces.batchSeq(scope.batchId);
    return [...stored, { batchId: scope.batchId, seq: last, kind: 'SNAPSHOT', trace: null, report: null, replayed: true, at: new Date().toISOString() }];
  }

  /** A live event as this viewer may see it; null when it is outside the scope or already in the snapshot. */
  liveEvent(viewer: Viewer | null, scope: TraceEventScope, snapshotSeq: number, event: TraceEvent): TraceEvent | null {
    requireViewer(viewer);
    if (event.seq <= snapshotSeq) return null;
    if (scope.artefactId !== null && event.trace?.artefactId !== scope.artefactId) return null;
    if (event.report !== null && !scope.levels.includes(event.report.level)) return null;
    return this.shown(viewer, event);
  }

  private shown(viewer: Viewer | null, event: TraceEvent): TraceEvent {
    if (event.report === null || viewer?.user.role === 'SUPERUSER') return event;
    return { ...event, report: withoutProviderDetail(event.report) };
  }
}

function withoutProviderDetail(report: StoredReport): StoredReport {
  if (report.data === null || !('providerDetail' in report.data)) return report;
  const { providerDetail: _hidden, ...data } = report.data;
  return { ...report, data };
}
