import type { Listing, PageArgs } from '../store/pagination.js';
import type { StoredReport, Trace } from '../store/repositories/traces.js';
import type { Store } from '../store/store.js';
import type { TraceLevel } from '../tracing/tracer.js';
import { requireViewer, type Viewer } from '../auth/viewer.js';

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
}

function withoutProviderDetail(report: StoredReport): StoredReport {
  if (report.data === null || !('providerDetail' in report.data)) return report;
  const { providerDetail: _hidden, ...data } = report.data;
  return { ...report, data };
}
