/**
 * npm run admin:unlock — ends the superuser's sign-in locks from every address, for when repeated
 * failures from the superuser's own address locked it out. Works with the server running or not.
 */
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';

loadDotEnv();
const app = await createApp(loadConfig(), { poolSize: 1 });
try {
  const { username, locksEnded } = app.services.auth.unlockSuperuser();
  console.log(`Unlocked the superuser "${username}" (${locksEnded} lock${locksEnded === 1 ? '' : 's'} ended)`);
} finally {
  await app.close();
}
