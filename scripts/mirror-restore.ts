/**
 * npm run mirror:restore — disaster recovery: fills an empty DATA_DIR from the Firebase mirror (the
 * catalogue from the Realtime Database, the images from the bucket), with the server stopped. No
 * password is mirrored: the superuser's is SUPERUSER_PASSWORD or a generated one written to
 * DATA_DIR/superuser-password.txt, and every other account needs a new one (resetUserPassword).
 */
import { runMirrorCommand } from './lib/mirror-command.js';

await runMirrorCommand(async (app, config) => {
  const { superuserPasswordFile, ...counts } = await app.mirror.restore({ dataDir: config.dataDir, superuserPassword: config.superuser.password });
  return [
    `Restored into ${config.dataDir}: ${Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(', ')}`,
    ...(superuserPasswordFile === null ? [] : [`The superuser's new password is in ${superuserPasswordFile} (mode 0600)`]),
    'Other accounts have no password now: the superuser gives each a new one (resetUserPassword).',
  ];
});
