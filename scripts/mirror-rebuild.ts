/**
 * npm run mirror:rebuild — queues every document and file for the Firebase mirror again, after the
 * Realtime Database or the bucket was lost (or emptied by hand). The server sends them, at once when
 * it is running and otherwise at its next start; a file the bucket still holds is not uploaded again.
 */
import { runMirrorCommand } from './lib/mirror-command.js';

await runMirrorCommand((app) => [
  `Queued ${app.mirror.rebuild()} documents for the Firebase mirror; the server sends them (mirrorStatus shows what is left)`,
]);
