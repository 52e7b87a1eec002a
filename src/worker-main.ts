import { createWorker } from './app.js';
import { loadConfigOrExit } from './config.js';
import { exitForStartupFailure } from './startup-failure.js';

process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** `npm run worker`: a remote inference worker for the API instances that share REDIS_URL. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.redis === undefined) {
    console.error('Invalid configuration:\n  - REDIS_URL: required by npm run worker (got null)');
    process.exit(2);
  }
  const worker = await createWorker(config, config.redis);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: finishing the jobs in hand`);
      void worker.close().then(() => process.exit(0));
    });
  }
  console.log(`Worker ready: ${config.workers} inference threads taking jobs from ${new URL(config.redis.url).host}`);
}

main().catch(exitForStartupFailure);
