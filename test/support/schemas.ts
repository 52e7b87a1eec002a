import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import formatsModule from 'ajv-formats';

/** The official schemas the exports are validated against (see test/fixtures/schemas/SOURCE.md). */
export const SCHEMAS_DIR = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));

export interface Validation {
  valid: boolean;
  errors: string;
}

/**
 * Validates an XML document with Debian's xmllint against an XSD in SCHEMAS_DIR, offline: the
 * catalog there maps the remote schemas the official ones import to local copies.
 */
export function xmllint(xml: string, xsd: string): Validation {
  try {
    execFileSync('xmllint', ['--nonet', '--noout', '--schema', `${SCHEMAS_DIR}${xsd}`, '-'], {
      input: xml,
      env: { ...process.env, XML_CATALOG_FILES: `${SCHEMAS_DIR}catalog.xml` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { valid: true, errors: '' };
  } catch (error) {
    const { stderr, status } = error as { stderr?: Buffer; status?: number | null };
    // Status 3 and 4: the document is invalid. Anything else (xmllint missing, a schema that does
    // not load) must fail the test loudly, not read as "invalid".
    if (status !== 3 && status !== 4) throw error;
    return { valid: false, errors: stderr?.toString() ?? '' };
  }
}

// ajv and ajv-formats are CommonJS; under NodeNext their classes are the default export's default.
const Ajv = AjvModule.default;
const addFormats = formatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const iiif = ajv.compile(JSON.parse(readFileSync(`${SCHEMAS_DIR}iiif_3_0.json`, 'utf8')) as object);

/** Validates a document against the IIIF Presentation API 3.0 JSON Schema of the IIIF presentation-validator. */
export function iiifPresentation(document: unknown): Validation {
  const valid = iiif(document);
  return { valid, errors: valid ? '' : ajv.errorsText(iiif.errors, { separator: '\n' }) };
}
