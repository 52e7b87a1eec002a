import { AppError } from '../errors.js';
import type { Log } from '../jobs/queue.js';
import type { Store } from '../store/store.js';
import { MirrorDocuments } from './documents.js';
import { connectFirebase, type Firebase } from './firebase.js';
import { MirrorOutbox } from './outbox.js';
import { restoreFromMirror, type RestoreReport } from './restore.js';
import { MirrorSender } from './sender.js';
import { targetOf, type MirrorSettings } from './settings.js';

/** How the mirror is doing (mirrorStatus). */
export interface MirrorStatus {
  enabled: boolean;
  connected: boolean;
  outboxLength: number;
  /** When the oldest change still waiting was made; null when nothing waits. */
  oldestPendingAt: string | null;
  lastError: { message: string; at: string } | null;
  lastSuccessAt: string | null;
}

/**
 * The Firebase mirror of the catalogue: SQLite stays the system of record, and the outbox its
 * triggers fill is sent in the background (src/mirror/sender.ts). Nothing Firebase is loaded or
 * reached unless FIREBASE_* configure it, and nothing the server does waits for it.
 */
export class Mirror {
  private readonly outbox: MirrorOutbox;
  private firebase: Firebase | null = null;
  private sender: MirrorSender | null = null;
  private startError: { message: string; at: string } | null = null;

  constructor(
    private readonly settings: MirrorSettings | undefined,
    private readonly store: Store,
    private readonly log: Log,
  ) {
    this.outbox = new MirrorOutbox(store.db);
  }

  /**
   * At the server's start (not the CLIs', which share the database): the triggers record for the
   * configured target, or nothing when the mirror is off; a new target gets everything. Then the
   * sender starts. A failure to set up Firebase is reported in the status, never thrown.
   */
  async start(): Promise<void> {
    this.outbox.follow(this.settings === undefined ? null : targetOf(this.settings));
    if (this.settings === undefined) return;
    try {
      this.firebase = await connectFirebase(this.settings);
    } catch (error) {
      this.startError = { message: error instanceof Error ? error.message : String(error), at: new Date().toISOString() };
      this.log('Firebase mirror: could not set up Firebase; changes wait in the outbox', error);
      return;
    }
    this.sender = new MirrorSender(this.outbox, new MirrorDocuments(this.store.db), this.store.files, this.firebase, this.settings, this.log);
    this.sender.start();
  }

  /** Queues every document and file again (after the database or the bucket was lost); returns how many. */
  rebuild(): number {
    if (this.outbox.target() === null) {
      throw new AppError('CONFLICT', 'The Firebase mirror is off: start the server once with FIREBASE_* set, then rebuild');
    }
    return this.outbox.enqueueEverything();
  }

  /** Fills this (empty) DATA_DIR from the mirror; see restoreFromMirror. */
  async restore(options: { dataDir: string; superuserPassword: string | undefined }): Promise<RestoreReport> {
    if (this.settings === undefined) throw new AppError('CONFLICT', 'The Firebase mirror is not configured (FIREBASE_*)');
    const firebase = await connectFirebase(this.settings);
    try {
      return await restoreFromMirror(this.store, firebase, options);
    } finally {
      await firebase.close();
    }
  }

  status(): MirrorStatus {
    const outbox = this.outbox.stats();
    const sender = this.sender?.status;
    return {
      enabled: this.settings !== undefined,
      connected: sender?.connected ?? false,
      outboxLength: outbox.length,
      oldestPendingAt: outbox.oldestAt,
      lastError: sender?.lastError ?? this.startError,
      lastSuccessAt: sender?.lastSuccessAt ?? null,
    };
  }

  async close(): Promise<void> {
    await this.sender?.close();
    await this.firebase?.close();
  }
}
