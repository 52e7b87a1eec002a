import { fileURLToPath } from 'node:url';

/** The real sample artefacts kept in the repository (see test/fixtures/samples/README.md). */
export const SAMPLES_DIR = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));
