/**
 * npm run models:verify [-- --download] [-- --cache DIR] [-- --interface]
 * One line per model in models/context.json: name, status, sha256 prefix, size, licence.
 * --download fetches URL-sourced models that are not cached; --interface also opens each ONNX file
 * and compares its inputs/outputs with the registry. Exits 1 when a required model is not ok.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { graphInterfaceMismatches } from '../src/model-store/graph-interface.js';
import { ModelStore } from '../src/model-store/store.js';

const { values } = parseArgs({
  options: {
    download: { type: 'boolean', default: false },
    interface: { type: 'boolean', default: false },
    cache: { type: 'string', default: path.join(process.env.DATA_DIR ?? 'data', 'models') },
    context: { type: 'string' },
  },
});

const store = await ModelStore.open({ cacheDir: values.cache, ...(values.context === undefined ? {} : { contextFile: values.context }) });
const statuses = await store.verifyAll({ download: values.download });
let failed = false;
for (const s of statuses) {
  const size = `${(s.bytes / 1024).toFixed(0)} KiB`;
  console.log([s.name.padEnd(26), s.status.padEnd(8), s.sha256.slice(0, 12), size.padStart(10), s.licence.padEnd(11), s.source].join('  '));
  if (s.message !== null) console.log(`    ${s.message}`);
  if (values.interface && s.status === 'ok' && s.path !== null) {
    for (const problem of await graphInterfaceMismatches(store.entry(s.name), s.path)) {
      console.log(`    interface: ${problem}`);
      failed ||= s.required;
    }
  }
  failed ||= s.required && s.status !== 'ok';
}
console.log(`${statuses.filter((s) => s.status === 'ok').length}/${statuses.length} models ok (registry ${store.contextFile})`);
process.exitCode = failed ? 1 : 0;
