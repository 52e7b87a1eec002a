import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { isAppError } from './errors.js';
import { buildServer } from './server.js';

process.env.ORT_DISABLE_TELEMETRY ??= '1';

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const { app } = await buildServer(config);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info(`${signal}: shutting down`);
      void app.close().then(() => process.exit(0));
    });
  }
  await app.listen({ port: config.port, host: config.host });
  app.log.info(`GraphiQL at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/graphiql`);
}

main().catch((error: unknown) => {
  if (isAppError(error) && (error.code === 'MODEL_MISSING' || error.code === 'MODEL_CORRUPT')) {
    console.error(`Cannot start: ${error.message}`);
    process.exit(3);
  }
  console.error(error);
  process.exit(1);
});
