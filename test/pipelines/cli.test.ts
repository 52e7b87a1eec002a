import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES_DIR as samples } from '../support/samples.js';

const run = promisify(execFile);
const root = process.cwd();
const fixture = path.resolve(root, 'test/fixtures/identify');
const tsx = path.resolve(root, 'node_modules/.bin/tsx');

let dir: string;
const cli = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
  const { DATA_DIR: _unset, ...inherited } = process.env;
  const { stdout } = await run(tsx, args, { cwd: root, env: { ...inherited, ...env }, maxBuffer: 32 * 1024 * 1024 });
  return stdout;
};

interface ProcessedFile {
  file: string;
  kind: string;
  faces: { box: { w: number; h: number }; assignment?: string; figureLabel?: string | null }[];
  text: string | null;
  description: string | null;
  traceId: string;
  traceReports: number | null;
  artefactId?: string;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'archaive-cli-'));
  const people = path.join(dir, 'people');
  for (const p of ['bob', 'blank', 'group', 'carol']) mkdirSync(path.join(people, p), { recursive: true });
  copyFileSync(path.join(fixture, 'train/person-04/sample3.jpg'), path.join(people, 'bob', 'bob.jpg'));
  await sharp({ create: { width: 200, height: 200, channels: 3, background: '#ffffff' } }).png().toFile(path.join(people, 'blank', 'white.png'));
  copyFileSync(path.resolve(root, 'node_modules/@vladmandic/face-api/demo/sample1.jpg'), path.join(people, 'group', 'three.jpg'));
  // Carol's photo with someone small in the background: she is the clearly largest face.
  const carol = await sharp(path.join(fixture, 'train/person-02/sample1.jpg')).resize({ width: 560 }).toBuffer();
  const passerby = await sharp(path.join(fixture, 'train/person-01/sample1.jpg')).resize({ width: 200 }).toBuffer();
  await sharp({ create: { width: 900, height: 700, channels: 3, background: '#dddddd' } })
    .composite([{ input: carol, left: 20, top: 20 }, { input: passerby, left: 680, top: 480 }])
    .jpeg()
    .toFile(path.join(people, 'carol', 'with-passerby.jpg'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('command-line tools', () => {
  it('process prints faces, photo text, a factual description, timings and a trace id', async () => {
    const out = JSON.parse(await cli(['scripts/cli.ts', 'process', '--kind', 'hf', '--workers', '1', path.join(samples, 'panel-photo.png')])) as ProcessedFile[];
    expect(out).toHaveLength(1);
    const [photo] = out;
    expect(photo?.kind).toBe('HF');
    expect(photo?.faces).toHaveLength(5);
    // As written: the banner sets 商业论坛 in Simplified, which PP-OCRv5 reads as such (v4 read 商業論壇).
    expect(photo?.text).toContain('商业论坛');
    expect(photo?.description).toContain('5 people');
    expect(photo?.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(photo?.traceReports).toBeGreaterThan(5);
  }, 60_000);

  it('seed-figures enrols one-face images, skips the others with reasons, and process then recognises the person', async () => {
    const dataDir = path.join(dir, 'data');
    const seeded = await cli(['scripts/cli.ts', 'seed-figures', '--workers', '1', path.join(dir, 'people')], { DATA_DIR: dataDir });
    expect(seeded).toMatch(/bob\/bob\.jpg: enrolled as "bob"/);
    expect(seeded).toMatch(/blank\/white\.png: skipped, no face found/);
    expect(seeded).toMatch(/group\/three\.jpg: skipped, 3 faces of similar size found/);
    expect(seeded).toMatch(/carol\/with-passerby\.jpg: enrolled as "carol" \(new figure \S+, the largest of 2 faces, face \d+ px\)/);
    expect(seeded).toMatch(/enrolled=2 skipped=2 people=2/);
    const out = JSON.parse(
      await cli(['scripts/cli.ts', 'process', '--kind', 'hf', '--workers', '1', path.join(fixture, 'test/person-04-view.jpg')], { DATA_DIR: dataDir }),
    ) as ProcessedFile[];
    expect(out[0]?.artefactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out[0]?.faces.map((f) => [f.assignment, f.figureLabel])).toEqual([['AUTO', 'bob']]);
    expect(out[0]?.description).toContain('Recognised: bob');
  }, 90_000);

  it('eval:identify prints a line per test image and the scores last', async () => {
    const out = (await cli(['scripts/eval-identify.ts', '--workers', '1', fixture])).trim().split('\n');
    expect(out.filter((l) => /-view\.jpg: truth=/.test(l))).toHaveLength(19);
    // What the product decided, beside the ranking: no stranger or wrong person assigned, and at
    // least 90 % of the known people assigned automatically (issue #12's aim; 12 of 12 measured).
    const decided = /^known=(\d+) unknown=\d+ auto_assigned_right=(\d+) auto_assigned_wrong=0 suggested=\d+$/.exec(out.at(-2) ?? '');
    expect(decided, out.at(-2)).not.toBeNull();
    expect(Number(decided?.[2]) / Number(decided?.[1])).toBeGreaterThanOrEqual(0.9);
    const last = out.at(-1) ?? '';
    const m = /^top1=([\d.]+) unknown_rejection=([\d.]+)$/.exec(last);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(0.9);
    expect(Number(m?.[2])).toBe(1);
  }, 90_000);
});
