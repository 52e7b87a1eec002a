import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Failure, ImportObserver } from './importer.js';
import type { ProgressEvent } from './follow.js';

const duration = (seconds: number | null): string => {
  if (seconds === null) return '…';
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/**
 * The importer on a terminal (stderr): an upload bar, then a processing bar with done, failed,
 * rate and the server's estimate of the time left, and a line per failed file. Off a terminal it
 * prints the bar as a line every second.
 */
export function consoleObserver(): ImportObserver & { close(): void } {
  const bars = new MultiBar({ noTTYOutput: true, notTTYSchedule: 1000, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  let upload: SingleBar | null = null;
  let processing: SingleBar | null = null;
  // The rate is this run's: artefacts finished since it began following.
  let since: { at: number; finished: number } | null = null;
  return {
    uploading(sent, toSend) {
      if (toSend === 0) return;
      upload ??= bars.create(toSend, 0, {}, { format: 'upload     {bar} {value}/{total} files sent' });
      upload.update(sent);
    },
    progress(event: ProgressEvent) {
      const finished = event.done + event.failed;
      since ??= { at: Date.now(), finished };
      const seconds = (Date.now() - since.at) / 1000;
      const rate = seconds > 0 ? (finished - since.finished) / seconds : 0;
      const payload = { failed: event.failed, rate: rate.toFixed(2), left: duration(event.etaSeconds), stage: event.stage.toLowerCase() };
      processing ??= bars.create(event.total, 0, payload, { format: 'processing {bar} {value}/{total} done | {failed} failed | {rate}/s | ETA {left} | {stage}' });
      processing.setTotal(event.total);
      processing.update(event.done, payload);
    },
    failure(failure: Failure) {
      bars.log(`✗ ${failure.file}: ${failure.message} (${failure.code})\n`);
    },
    close() {
      bars.stop();
    },
  };
}

/** No output as it goes (for --json). */
export const quietObserver: ImportObserver = { uploading: () => undefined, progress: () => undefined, failure: () => undefined };
