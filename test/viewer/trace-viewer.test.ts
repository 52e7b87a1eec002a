import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, until } from '../support/batches.js';
import { SAMPLES_DIR } from '../support/samples.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** Debian's Chromium, as CI installs it (.ci/run). */
const CHROMIUM = '/usr/bin/chromium';
/** Set to write docs/trace-viewer.png for the README (never in CI: it would rewrite a tracked file). */
const SCREENSHOT = process.env.TRACE_VIEWER_SCREENSHOT === '1';

const stageOf = async (s: TestServer, token: string, batchId: string): Promise<string | undefined> =>
  (await s.gql<{ node: { stage: string } }>('query($b: ID!) { node(id: $b) { ... on Batch { stage } } }', { b: batchId }, token)).body.data?.node.stage;

describe('the trace viewer in Chromium', () => {
  let s: TestServer;
  let token: string;
  let browser: BrowserContext;
  let page: Page;
  let profile: string;
  let done: { batchId: string; artefactId: string };
  let running: { batchId: string; artefactId: string };

  beforeAll(async () => {
    s = await startServer();
    token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const image = readFileSync(path.join(SAMPLES_DIR, 'minutes-page.jpg'));
    done = await batchOf(s, token, 'Minutes 1956', image, 'MM');
    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: done.batchId }, token);
    await until(async () => (await stageOf(s, token, done.batchId)) === 'VETTING', 180_000);
    running = await batchOf(s, token, 'Minutes 1957', image, 'MM');
    profile = mkdtempSync(path.join(tmpdir(), 'archaive-chromium-'));
    // One browser for the file, with a fresh profile.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await s?.close();
  });

  it('signs in, lists the batches and traces, and shows a processed artefact’s trace as a waterfall of its steps', { timeout: 60_000 }, async () => {
    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(e.message));
    // No CDN: every request the page makes goes to this server.
    page.on('request', (r) => {
      if (!r.url().startsWith(s.url) && !r.url().startsWith(s.url.replace('http', 'ws'))) failures.push(`request to ${r.url()}`);
    });
    await page.goto(`${s.url}/traces`);
    await page.getByLabel('Username or email').fill(SUPERUSER.username);
    await page.getByLabel('Password').fill(SUPERUSER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${SUPERUSER.username}`).waitFor();
    await expect(page.locator('#sign-in').isVisible()).resolves.toBe(false);
    await page.locator('#batches tbody tr', { hasText: 'Minutes 1956' }).waitFor();

    await page.getByRole('button', { name: 'Traces of batch Minutes 1956' }).click();
    await page.getByRole('button', { name: 'Open trace artefact.process of Minutes 1956' }).click();
    const rows = page.locator('#waterfall tbody tr.report');
    await rows.first().waitFor();
    const steps = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    // Steps from the worker thread (OCR) and the main thread (storing), with level, worker and duration.
    expect(steps.some(([source, , level, worker, tookText]) => source?.startsWith('ocr') && level === 'info' && /^worker \d+$/.test(worker ?? '') && /\d/.test(tookText ?? ''))).toBe(true);
    expect(steps.some(([, , , worker]) => worker === 'main')).toBe(true);
    await expect(page.locator('#waterfall .bar').count()).resolves.toBe(steps.length);
    await expect(page.locator('#trace-summary').textContent()).resolves.toContain('outcome: ok');
    // A report's data opens under it.
    await page.locator('#waterfall details summary').first().click();
    await expect(page.locator('#waterfall details[open] pre').first().textContent()).resolves.toMatch(/[{[]/);
    expect(failures).toEqual([]);
  });

  it('is served with the same protections as GraphiQL: scripts and connections to this server only, no framing', async () => {
    const r = await fetch(`${s.url}/traces`);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${s.url}/traces/package.json`)).status).toBe(404);
  });

  it('follows a running batch live: new reports appear as the workers write them, and nothing is lost or repeated across a dropped connection', async () => {
    const upgraded: Duplex[] = [];
    s.app.server.on('upgrade', (_request: unknown, socket: Duplex) => upgraded.push(socket));
    await page.getByRole('button', { name: 'Follow batch Minutes 1957 live' }).click();
    await page.getByText(/Following: up to event 0 stored/).waitFor();
    await s.gql('mutation($b: ID!) { startBatch(batchId: $b) { stage } }', { b: running.batchId }, token);
    const log = page.locator('#live-log li');
    await log.filter({ hasText: 'started artefact.process' }).waitFor({ timeout: 60_000 });
    await log.filter({ hasText: /ocr[.\w]*: .*worker \d+/ }).first().waitFor({ timeout: 120_000 });
    if (SCREENSHOT) {
      await page.getByRole('button', { name: 'Traces of batch Minutes 1956' }).click();
      await page.getByRole('button', { name: 'Open trace artefact.process of Minutes 1956' }).click();
      await page.locator('#waterfall tbody tr.report').first().waitFor();
    }
    await log.filter({ hasText: 'finished artefact.process: ok' }).waitFor({ timeout: 120_000 });
    const numbers = await log.evaluateAll((items) => items.map((li) => (li as HTMLLIElement).value));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    if (SCREENSHOT) await page.screenshot({ path: path.join(import.meta.dirname, '../../docs/trace-viewer.png'), fullPage: true });

    // The connection drops: the page subscribes again after the last event it showed, and what
    // was written meanwhile arrives once, numbered on.
    for (const socket of upgraded) socket.destroy();
    await page.getByText(/Connection lost after event \d+; reconnecting/).waitFor();
    await s.gql('mutation($a: [ID!]!) { reprocessArtefacts(artefactIds: $a, steps: [TEXT]) { status } }', { a: [running.artefactId] }, token);
    await page.getByText(/Following: up to event \d+ stored/).waitFor({ timeout: 30_000 });
    await until(async () => (await log.filter({ hasText: 'finished artefact.process: ok' }).count()) === 2, 120_000);
    const resumed = await log.evaluateAll((items) => items.map((li) => (li as HTMLLIElement).value));
    expect(resumed.length).toBeGreaterThan(numbers.length);
    expect(resumed).toEqual(resumed.map((_, i) => i + 1));
  }, 240_000);
});
