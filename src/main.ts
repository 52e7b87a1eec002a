import { loadConfigOrExit, type Config } from './config.js';
import { markServing, StartupError } from './data-dir.js';
import { buildServer } from './server.js';
import { exitForStartupFailure } from './startup-failure.js';

process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** Why listening failed, as the variable to change; null for an error this cannot explain. */
function listenProblem(error: unknown, config: Config): StartupError | null {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE') return new StartupError(`port ${where} is already in use (another server?); set PORT to a free port, or PORT=0 to pick one`);
  if (code === 'EACCES') return new StartupError(`this user may not listen on ${where} (ports below 1024 need privileges); set PORT to 1024 or above`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartupError(`${config.host} is not an address of this machine; set HOST to one (127.0.0.1, or 0.0.0.0 for every interface)`);
  return null;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const { app } = await buildServer(config);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw listenProblem(error, config) ?? error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const release = markServing(config.dataDir, `http://${config.host}:${port}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info(`${signal}: shutting down`);
      release();
      void app.close().then(() => process.exit(0));
    });
  }
  app.log.info(`GraphiQL at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphiql`);
}

main().catch(exitForStartupFailure);
