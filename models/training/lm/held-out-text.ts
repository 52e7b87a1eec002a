/**
 * Writes the held-out text that the OCR context weights are calibrated and measured on, as running
 * text for ccr/synth_columns.py --text: the modern Traditional UI messages (locale_text.py's output)
 * and the classical prose that no build uses (CLASSICAL_HELD_OUT), each split in two halves, the
 * first to calibrate on and the second to test on. None of it is in the language model.
 * Usage: npx tsx models/training/lm/held-out-text.ts MESSAGES.txt OUT_DIR
 *   → OUT_DIR/{modern,classical}-{calibrate,test}.txt
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLASSICAL_HELD_OUT, fileRuns } from './sources.js';

const [messages, out] = process.argv.slice(2);
if (messages === undefined || out === undefined) {
  console.error('usage: npx tsx models/training/lm/held-out-text.ts MESSAGES.txt OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const write = (name: string, runs: readonly string[]): void => {
  writeFileSync(path.join(out, name), `${runs.join('\n')}\n`);
  console.log(`${name}: ${runs.length} runs, ${runs.reduce((s, r) => s + [...r].length, 0)} characters`);
};
for (const [name, runs] of [['modern', fileRuns(messages)], ['classical', fileRuns(CLASSICAL_HELD_OUT)]] as const) {
  const half = runs.length >> 1;
  write(`${name}-calibrate.txt`, runs.slice(0, half));
  write(`${name}-test.txt`, runs.slice(half));
}
