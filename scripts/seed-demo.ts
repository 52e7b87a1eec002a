/**
 * npm run seed:demo -- [ARTEFACTS] — fills DATA_DIR with a synthetic catalogue to browse in
 * GraphiQL (artefacts named "Demo …"). Run it before `npm start`, or with the server stopped.
 */
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { seedCatalogue } from '../src/store/demo-seed.js';

loadDotEnv();
const config = loadConfig();
const artefacts = Number(process.argv[2] ?? 200);
const app = await createApp(config);
try {
  await seedCatalogue(app.store, { artefacts, categories: Math.max(1, Math.round(artefacts / 40)), books: Math.max(1, Math.round(artefacts / 100)), figures: Math.max(1, Math.round(artefacts / 10)) });
  console.log(`Seeded ${artefacts} demo artefacts into ${config.dataDir}`);
} finally {
  await app.close();
}
