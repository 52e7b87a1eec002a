/**
 * npm run seed:demo -- [ARTEFACTS] — fills DATA_DIR with a synthetic catalogue to browse in
 * GraphiQL (artefacts named "Demo …"). Run it with the server stopped: it writes the database
 * directly, and refuses while a server holds DATA_DIR. Run again, it leaves a seeded catalogue as it is.
 */
import { createApp } from '../src/app.js';
import { loadConfigOrExit } from '../src/config.js';
import { servingProcess } from '../src/data-dir.js';
import { exitForStartupFailure } from '../src/startup-failure.js';
import { countSeeded, seedCatalogue } from '../src/store/demo-seed.js';

const MAX_ARTEFACTS = 100_000;

function fail(message: string, exitCode: number): never {
  console.error(message);
  process.exit(exitCode);
}

const config = loadConfigOrExit();
const given = process.argv[2] ?? '200';
const artefacts = Number(given);
if (!/^\d+$/.test(given) || artefacts < 1 || artefacts > MAX_ARTEFACTS) {
  fail(`seed:demo takes how many artefacts to make, a whole number from 1 to ${MAX_ARTEFACTS.toLocaleString('en')} (got "${given}")`, 2);
}
const server = servingProcess(config.dataDir);
if (server !== null) {
  fail(`A server (pid ${server.pid}, ${server.url}) is running on DATA_DIR ${config.dataDir}: stop it first, then seed.`, 1);
}
const app = await createApp(config).catch(exitForStartupFailure);
try {
  const seeded = countSeeded(app.store);
  if (seeded > 0) {
    console.log(`${config.dataDir} already holds ${seeded} demo artefacts; nothing changed.`);
  } else {
    await seedCatalogue(app.store, {
      artefacts,
      categories: Math.max(1, Math.round(artefacts / 40)),
      books: Math.max(1, Math.round(artefacts / 100)),
      figures: Math.max(1, Math.round(artefacts / 10)),
    });
    console.log(`Seeded ${artefacts} demo artefacts into ${config.dataDir}`);
  }
} finally {
  await app.close();
}
