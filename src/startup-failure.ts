import { StartupError } from './data-dir.js';
import { isAppError } from './errors.js';

/**
 * Ends a process that could not start (the server, `npm run worker`, `seed:demo`): a problem the
 * operator fixes by changing a setting or restoring a model is said in one line, with an exit code
 * scripts can tell apart (2: configuration, 3: a model); anything else keeps its stack trace (1).
 */
export function exitForStartupFailure(error: unknown): never {
  if (error instanceof StartupError) {
    console.error(`Cannot start: ${error.message}`);
    process.exit(2);
  }
  if (isAppError(error) && (error.code === 'MODEL_MISSING' || error.code === 'MODEL_CORRUPT')) {
    console.error(`Cannot start: ${error.message}`);
    process.exit(3);
  }
  console.error(error);
  process.exit(1);
}
