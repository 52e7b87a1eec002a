/**
 * npm run mirror:rebuild — queues every document and file for the Firebase mirror again, after the
 * Realtime Database or the bucket was lost (or emptied by hand). The server sends them, at once when
 * it is running and otherwise at its next start; a file the bucket still holds is not uploaded again.
 */
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { isAppError } from '../src/errors.js';

loadDotEnv();
const app = await createApp(loadConfig(), { poolSize: 1 });
try {
  const queued = app.mirror.rebuild();
  console.log(`Queued ${queued} documents for the Firebase mirror; the server sends them (mirrorStatus shows what is left)`);
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await app.close();
}
