import type { CloudStorage } from './cloud-storage.js';
import type { RealtimeDatabase } from './realtime-database.js';

export const PROJECT = 'demo-archaive';
export const BUCKET = `${PROJECT}.appspot.com`;

/** The environment that points the mirror at the doubles on loopback, with a sender paced for tests. */
export const mirrorEnv = (database: RealtimeDatabase, storage: CloudStorage, extra: Record<string, string> = {}): Record<string, string> => ({
  FIREBASE_PROJECT_ID: PROJECT,
  FIREBASE_DATABASE_URL: `https://${PROJECT}.firebaseio.com`,
  FIREBASE_STORAGE_BUCKET: BUCKET,
  FIREBASE_DATABASE_EMULATOR_HOST: database.host,
  STORAGE_EMULATOR_HOST: storage.url,
  MIRROR_RETRY_BASE_MS: '50',
  MIRROR_RETRY_MAX_MS: '400',
  MIRROR_TIMEOUT_MS: '1000',
  ...extra,
});

/** The documents of one collection in the mirror, by id ({} when there are none). */
export async function collection(database: RealtimeDatabase, name: string): Promise<Record<string, Record<string, unknown>>> {
  return ((await database.value(name)) ?? {}) as Record<string, Record<string, unknown>>;
}
