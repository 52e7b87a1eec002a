/**
 * npm run seed:demo -- [ARTEFACTS] — fills DATA_DIR with a synthetic catalogue to browse in
 * GraphiQL (artefacts named "Demo …"). Run it before `npm start`, or with the server stopped.
 */
import { loadConfig, loadDotEnv } from '../src/config.js';
import { seedCatalogue } from '../src/store/demo-seed.js';
import { Store } from '../src/store/store.js';

loadDotEnv();
const config = loadConfig();
const artefacts = Number(process.argv[2] ?? 200);
const store = new Store(config.dataDir, config.uploads);
try {
  await seedCatalogue(store, { artefacts, categories: Math.max(1, Math.round(artefacts / 40)), books: Math.max(1, Math.round(artefacts / 100)), figures: Math.max(1, Math.round(artefacts / 10)) });
  console.log(`Seeded ${artefacts} demo artefacts into ${config.dataDir}`);
} finally {
  store.close();
}
