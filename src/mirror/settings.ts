/** Where the Firebase mirror goes and how its sender paces itself (FIREBASE_* and MIRROR_* variables). */
export interface MirrorSettings {
  projectId: string;
  databaseUrl: string;
  storageBucket: string;
  /** A service-account key file; unset: application default credentials (or none, with emulators). */
  credentialsFile: string | undefined;
  /** host:port of a Realtime Database emulator, instead of databaseUrl's host. */
  databaseEmulatorHost: string | undefined;
  /** http://host:port of a Cloud Storage emulator, instead of Google's endpoint. */
  storageEmulatorHost: string | undefined;
  /** Documents sent in one multi-path write. */
  batchSize: number;
  /** First wait after a failed send; doubled after each further failure, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a write may go unanswered before Firebase is reported unreachable (it stays queued). */
  timeoutMs: number;
}

/** Names where the mirror sends, so a change of database, bucket or emulator sends everything anew. */
export const targetOf = (m: MirrorSettings): string =>
  JSON.stringify([m.databaseUrl, m.databaseEmulatorHost ?? null, m.storageBucket, m.storageEmulatorHost ?? null]);
