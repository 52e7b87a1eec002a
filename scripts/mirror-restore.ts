/**
 * npm run mirror:restore — disaster recovery: fills an empty DATA_DIR from the Firebase mirror (the
 * catalogue from the Realtime Database, the images from the bucket), with the server stopped. No
 * password is mirrored: the superuser's is SUPERUSER_PASSWORD or a generated one written to
 * DATA_DIR/superuser-password.txt, and every other account needs a new one (resetUserPassword).
 */
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { isAppError } from '../src/errors.js';

loadDotEnv();
const config = loadConfig();
const app = await createApp(config, { poolSize: 1 });
try {
  const report = await app.mirror.restore({ dataDir: config.dataDir, superuserPassword: config.superuser.password });
  const { superuserPasswordFile, ...counts } = report;
  console.log(`Restored into ${config.dataDir}: ${Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ')}`);
  if (superuserPasswordFile !== null) console.log(`The superuser's new password is in ${superuserPasswordFile} (mode 0600)`);
  console.log('Other accounts have no password now: the superuser gives each a new one (resetUserPassword).');
} catch (error) {
  if (!isAppError(error)) throw error;
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await app.close();
}
