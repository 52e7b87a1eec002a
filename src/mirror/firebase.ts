import { randomUUID } from 'node:crypto';
import type { MirrorDocument } from './documents.js';
import type { MirrorSettings } from './settings.js';

/** The Realtime Database and the Cloud Storage bucket the mirror writes to and restores from. */
export interface Firebase {
  /** Sets each path to its document, or removes it for null, in one atomic multi-path write. */
  write(updates: Readonly<Record<string, MirrorDocument | null>>): Promise<void>;
  /** The value at a path (null when absent). */
  read(path: string): Promise<unknown>;
  /** Called with true or false whenever the database connection comes up or goes down. */
  onConnection(listener: (connected: boolean) => void): void;
  /** Whether the bucket holds the object with that many bytes. */
  hasObject(name: string, bytes: number): Promise<boolean>;
  upload(name: string, data: Buffer, contentType: string): Promise<void>;
  download(name: string): Promise<Buffer>;
  /** Deletes the object; one already gone is no error. */
  deleteObject(name: string): Promise<void>;
  close(): Promise<void>;
}

const NOT_FOUND = 404;

/**
 * Connects firebase-admin, loaded only here and only when the mirror is configured, so a server
 * without it never loads Firebase or reaches the network. The connection opens lazily and comes
 * back by itself after an outage; writes made meanwhile wait in the SDK until it does.
 */
export async function connectFirebase(settings: MirrorSettings): Promise<Firebase> {
  // The SDKs read the emulator addresses and the key file from the environment only.
  setEnv('FIREBASE_DATABASE_EMULATOR_HOST', settings.databaseEmulatorHost);
  setEnv('STORAGE_EMULATOR_HOST', settings.storageEmulatorHost);
  setEnv('GOOGLE_APPLICATION_CREDENTIALS', settings.credentialsFile);
  const { applicationDefault, deleteApp, initializeApp } = await import('firebase-admin/app');
  const { getDatabase } = await import('firebase-admin/database');
  const { getStorage } = await import('firebase-admin/storage');
  const app = initializeApp(
    {
      credential: applicationDefault(),
      projectId: settings.projectId,
      databaseURL: settings.databaseUrl,
      storageBucket: settings.storageBucket,
    },
    // Its own name: a test (or a restore) may hold more than one at a time.
    `archaive-mirror-${randomUUID()}`,
  );
  const database = getDatabase(app);
  const bucket = getStorage(app).bucket();
  return {
    write: (updates) => database.ref().update(updates),
    // once(), not get(): get() never answers against some emulators (see docs/firebase.md).
    read: async (path) => (await database.ref(path).once('value')).val() as unknown,
    onConnection: (listener) => {
      database.ref('.info/connected').on('value', (snapshot) => listener(snapshot.val() === true));
    },
    hasObject: async (name, bytes) => {
      try {
        const [metadata] = await bucket.file(name).getMetadata();
        return Number(metadata.size) === bytes;
      } catch (error) {
        if (statusOf(error) === NOT_FOUND) return false;
        throw error;
      }
    },
    upload: (name, data, contentType) => bucket.file(name).save(data, { resumable: false, contentType, validation: 'md5' }),
    download: async (name) => (await bucket.file(name).download({ validation: 'md5' }))[0],
    deleteObject: async (name) => {
      await bucket.file(name).delete({ ignoreNotFound: true });
    },
    close: async () => {
      database.ref('.info/connected').off();
      await deleteApp(app);
    },
  };
}

function setEnv(name: string, value: string | undefined): void {
  if (value !== undefined) process.env[name] = value;
}

const statusOf = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
