import { ServerError, type ArchaiveClient } from './client.js';
import type { StopSignal } from './importer.js';

export interface ProgressEvent {
  seq: number;
  stage: string;
  total: number;
  done: number;
  failed: number;
  etaSeconds: number | null;
  status: string | null;
  artefact: { image: { sha256: string }; batchEntry: { errorCode: string | null; errorMessage: string | null } | null } | null;
}

const PROGRESS = `subscription($batchId: ID!) { batchProgress(batchId: $batchId) {
  seq stage total done failed etaSeconds status artefact { image { sha256 } batchEntry { errorCode errorMessage } } } }`;

/**
 * Follows the batch's progress over WebSocket (its snapshot first, then every event) until its
 * stage is one of `until`, it is cancelled, or the stop is asked for. Should the server end the
 * subscription before that, it subscribes again: the new snapshot says where the batch is.
 */
export async function followProgress(client: ArchaiveClient, batchId: string, until: ReadonlySet<string>, stop: StopSignal, each: (event: ProgressEvent) => void): Promise<void> {
  const ws = client.subscriptions();
  try {
    while (!stop.stopped) {
      const events = ws.iterate<{ batchProgress: ProgressEvent }>({ query: PROGRESS, variables: { batchId } });
      void stop.asked.then(() => events.return?.());
      for await (const result of events) {
        const error = result.errors?.[0];
        if (error !== undefined) throw new ServerError(typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL', error.message);
        const event = result.data?.batchProgress;
        if (event === undefined) continue;
        each(event);
        if (until.has(event.stage) || event.stage === 'CANCELLED') return;
      }
    }
  } finally {
    await ws.dispose();
  }
}
