import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from '../support/samples.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'archaive-eval-classify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run eval:classify', () => {
  it("measures the product's decision (network, then the face check), with the network alone beside it", { timeout: 120_000 }, async () => {
    for (const [kind, file] of [['mm', 'minutes-page.jpg'], ['hf', 'panel-photo.png'], ['hf', 'group-photo.png']] as const) {
      mkdirSync(path.join(dir, kind), { recursive: true });
      copyFileSync(path.join(SAMPLES_DIR, file), path.join(dir, kind, file));
    }
    const { stdout } = await run(path.resolve('node_modules/.bin/tsx'), ['scripts/eval-classify.ts', dir], { cwd: process.cwd() });
    const lines = stdout.trim().split('\n');
    // The panel photo's banner makes the network say "page"; the face check overrules it, as in the product.
    expect(stdout).toMatch(/wrong: hf\/panel-photo\.png -> product HF, network MM/);
    expect(lines).toContain('HF: product 2/2 = 1.0000   network alone 1/2 = 0.5000');
    expect(lines.at(-2)).toBe('network_accuracy=0.6667');
    expect(lines.at(-1)).toBe('accuracy=1.0000');
  });
});
