import type { TraceEvent } from '../events.js';
import type { StoredReport, Trace } from '../store/repositories/traces.js';

/**
 * A batch's trace events from the stored rows, for the writer (live) and the snapshot (replayed)
 * alike; traces outside a batch have no numbers and make none.
 */
export const startedEvent = (trace: Trace, replayed: boolean): TraceEvent[] =>
  trace.batchId === null || trace.startedSeq === null
    ? []
    : [{ batchId: trace.batchId, seq: trace.startedSeq, kind: 'TRACE_STARTED', trace, report: null, replayed, at: trace.createdAt }];

export const reportEvent = (trace: Trace, report: StoredReport, replayed: boolean): TraceEvent[] =>
  trace.batchId === null || report.batchSeq === null
    ? []
    : [{ batchId: trace.batchId, seq: report.batchSeq, kind: 'REPORT', trace, report, replayed, at: report.at }];

export const finishedEvent = (trace: Trace, replayed: boolean): TraceEvent[] =>
  trace.batchId === null || trace.finishedSeq === null || trace.finishedAt === null
    ? []
    : [{ batchId: trace.batchId, seq: trace.finishedSeq, kind: 'TRACE_FINISHED', trace, report: null, replayed, at: trace.finishedAt }];
