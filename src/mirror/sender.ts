import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '../jobs/queue.js';
import type { FileStore } from '../store/files.js';
import type { MirrorDocument, MirrorDocuments } from './documents.js';
import type { Firebase } from './firebase.js';
import type { MirrorOutbox, PendingChange } from './outbox.js';
import type { MirrorSettings } from './settings.js';

/** What the sender knows of its own progress. */
export interface SenderState {
  /** The Realtime Database connection is up. */
  connected: boolean;
  lastError: { message: string; at: string } | null;
  /** When a write was last acknowledged. */
  lastSuccessAt: string | null;
}

// How often an empty outbox is looked at again: the triggers cannot wake the sender.
const POLL_MS = 250;
const FILES = 'files/';

/**
 * Sends the outbox to Firebase in the order of the changes, in the background: a batch of the
 * oldest documents is read as SQLite holds them now, files go to the bucket first (once each: a
 * stored object of the right size is not sent again), then the documents in one atomic multi-path
 * write (set, or remove for what is gone). Rows leave the outbox only after Firebase acknowledged
 * them, so a crash or an outage loses nothing, and sending a document twice changes nothing. After
 * a failure it waits retryBaseMs, doubling up to retryMaxMs. Nothing here is awaited by a request.
 */
export class MirrorSender {
  private readonly state: SenderState = { connected: false, lastError: null, lastSuccessAt: null };
  private failures = 0;
  private running: Promise<void> | null = null;
  private readonly stop = new AbortController();

  constructor(
    private readonly outbox: MirrorOutbox,
    private readonly documents: MirrorDocuments,
    private readonly files: FileStore,
    private readonly firebase: Firebase,
    private readonly settings: MirrorSettings,
    private readonly log: Log,
  ) {}

  get status(): Readonly<SenderState> {
    return this.state;
  }

  start(): void {
    this.firebase.onConnection((connected) => (this.state.connected = connected));
    this.running ??= this.loop();
  }

  /** Stops after the current step; a write still unanswered stays in the outbox for next time. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const sent = await this.sendNext();
        this.failures = 0;
        if (sent === 0) await this.pause(POLL_MS);
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.failures += 1;
        this.noteError(error);
        await this.pause(Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (this.failures - 1)));
      }
    }
  }

  /** Sends the next batch; returns how many documents Firebase acknowledged. */
  private async sendNext(): Promise<number> {
    const pending = this.outbox.next(this.settings.batchSize);
    if (pending.length === 0) return 0;
    const documents = this.documents.readMany(pending.map((p) => p.path));
    const updates: Record<string, MirrorDocument | null> = {};
    const sent: PendingChange[] = [];
    for (const [i, change] of pending.entries()) {
      const document = documents[i] ?? null;
      if (change.path.startsWith(FILES) && !(await this.sendFile(change.path.slice(FILES.length), document))) continue;
      updates[change.path] = document;
      sent.push(change);
    }
    if (sent.length === 0) return 0;
    await this.acknowledged(this.firebase.write(updates));
    if (this.stop.signal.aborted) return 0;
    this.outbox.acknowledge(sent);
    this.state.lastSuccessAt = new Date().toISOString();
    return sent.length;
  }

  /**
   * Puts the file's bytes in the bucket (or deletes them with their record); false while they are
   * not on disk yet (the record is written just before the bytes), to try again next round.
   */
  private async sendFile(sha256: string, document: MirrorDocument | null): Promise<boolean> {
    const name = `${FILES}${sha256}`;
    if (document === null) {
      await this.firebase.deleteObject(name);
      return true;
    }
    let data: Buffer;
    try {
      data = await readFile(this.files.pathOf(sha256));
    } catch {
      return false;
    }
    if (!(await this.firebase.hasObject(name, data.length))) await this.firebase.upload(name, data, String(document.mime));
    return true;
  }

  /**
   * Waits for Firebase to acknowledge a write. While it is unreachable the SDK keeps the write and
   * sends it when the connection is back, so it is waited for, not sent again; every timeoutMs
   * without an answer is reported as an error meanwhile.
   */
  private async acknowledged(write: Promise<void>): Promise<void> {
    // A write abandoned at close may still fail later: that must not be an unhandled rejection.
    write.catch(() => undefined);
    const report = setInterval(
      () => this.noteError(new Error(`Firebase has not acknowledged a write for ${this.settings.timeoutMs} ms; it stays queued`)),
      this.settings.timeoutMs,
    );
    try {
      await untilAborted(write, this.stop.signal);
    } finally {
      clearInterval(report);
    }
  }

  private noteError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.state.lastError = { message, at: new Date().toISOString() };
    this.log('Firebase mirror: sending failed; the changes stay in the outbox', error);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stop.signal }).catch(() => undefined);
  }
}

/** Settles with `work`, or as soon as `signal` aborts. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => resolve();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
