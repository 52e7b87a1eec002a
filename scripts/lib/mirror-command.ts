import { createApp, type App } from '../../src/app.js';
import { loadConfig, loadDotEnv, type Config } from '../../src/config.js';
import { isAppError } from '../../src/errors.js';

/**
 * Runs an operator's mirror command (npm run mirror:*) over the application and prints its lines;
 * an AppError is an answer to the operator (its message, exit code 1), not a crash.
 */
export async function runMirrorCommand(command: (app: App, config: Config) => Promise<string[]> | string[]): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const app = await createApp(config, { poolSize: 1 });
  try {
    for (const line of await command(app, config)) console.log(line);
  } catch (error) {
    if (!isAppError(error)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await app.close();
  }
}
