/**
 * npm run admin:maintenance on|off [message] — turns maintenance mode on or off, for when the server
 * is down or the superuser is locked out. Writes the same durable flag as setMaintenance, so a
 * running server follows at its next request.
 */
import { createApp } from '../src/app.js';
import { loadConfig, loadDotEnv } from '../src/config.js';

const [mode, ...words] = process.argv.slice(2);
if (mode !== 'on' && mode !== 'off') {
  console.error('Usage: npm run admin:maintenance on|off [message]');
  process.exit(2);
}
loadDotEnv();
const app = await createApp(loadConfig(), { poolSize: 1 });
try {
  const state = app.services.maintenance.setByOperator(mode === 'on', words.length === 0 ? null : words.join(' '));
  console.log(state.on ? `Maintenance mode is on${state.message === null ? '' : `: ${state.message}`}` : 'Maintenance mode is off');
} finally {
  await app.close();
}
