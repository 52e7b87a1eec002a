import type { Tracer } from '../tracing/tracer.js';
import { upsideDownProbability } from './angle.js';
import { simplifiedText, traditionalChar, traditionalChars } from './chinese-script.js';
import { chooseByScore, chooseInContext, classifyColumn, type ColumnPiece, type ColumnSlot, type LineReading } from './column-fusion.js';
import { defaultDecoderWeights, type DecoderWeights } from './column-decoder.js';
import { defaultCtcContextWeights, type CtcContext, type CtcContextWeights } from './ctc-context.js';
import { framePoint, lineFrame, sampleLine, type LineFrame } from './crop.js';
import { defaultDetectOptions, detectText, type DetectOptions } from './detect.js';
import { defaultFusionWeights, type ColumnReader, type FusionWeights } from './fusion.js';
import { mapQuad, minAreaRect, rectBounds, rectCorners, type Bounds, type OrientedRect } from './geometry.js';
import { cropRgb, decodePage, rotate180, type DecodedPage, type RgbImage } from './image.js';
import { defaultInkOptions, inkCount, inkLines, inkMap, restoreInk, unreadInk, type InkOptions } from './ink.js';
import { looksLikePaper } from './paper.js';
import { defaultLayoutOptions, planLayout, type Layout, type LayoutLine, type LayoutOptions } from './layout.js';
import { sharedOcrModels, type OcrModelPaths, type OcrModels } from './models.js';
import { ppOcrRecogniser } from './pp-ocr-recogniser.js';
import type { Recogniser, RecognisedChar } from './recogniser.js';
import { defaultSealOptions, findSeals, withoutSeals, type FoundSeal, type SealOptions } from './seals.js';
import type { EmptyReason, OcrChar, OcrLine, OcrNote, OcrPage, OcrSeal, Point, Quad } from './types.js';

export interface OcrOptions {
  /** Pages are downscaled to this long side before anything else. */
  maxSide: number;
  detect: DetectOptions;
  /**
   * When the detected lines are thinner than this in the detector's input, detection reruns at a
   * larger scale (small text on a large page).
   */
  minLineThickness: number;
  /** Most pixels the closer second detection may feed the detector (time grows with them). */
  maxDetectPixels: number;
  layout: LayoutOptions;
  /** Margin added around each line before reading, as shares of its thickness. */
  cropPad: { across: number; along: number };
  /** Lines whose mean character confidence is lower are dropped (detector false alarms in photos). */
  minLineConfidence: number;
  /** Above this probability of being upside down, the page is turned 180° and read again. */
  flipThreshold: number;
  /**
   * How columns are read: both recognisers fused (the default: with the language model it measured
   * best on synthetic pages in fonts no model was trained on, 0.234 CER against 0.289 for PP-OCR alone,
   * and no worse on the sample page, see docs/ocr.md), PP-OCR alone, or our character classifier alone on PP-OCR's character cells. Rows
   * are always read by PP-OCR: our classifier knows Traditional handwriting-like characters only,
   * while rows are mostly printed or Simplified text in photos.
   */
  columnReader: ColumnReader;
  fusion: FusionWeights;
  /**
   * How the character language model weighs in when a column's reading is chosen; null reads each
   * character by its recognisers' scores alone. Without the model installed, the same (and a warning).
   */
  context: ContextWeights | null;
  /** How red seals are found and painted out before detection; null leaves them in the image. */
  seals: SealOptions | null;
  /** How columns of ink the detector missed are found and read; null reads detected lines only. */
  ink: InkOptions | null;
}

/** The language model's weights in both places it is used: CTC decoding and the choice among candidates. */
export interface ContextWeights {
  /** Null: PP-OCR's columns are decoded greedily, and the model only chooses among candidates. */
  ctc: CtcContextWeights | null;
  slots: DecoderWeights;
}

export const defaultOcrOptions: OcrOptions = {
  maxSide: 2048,
  detect: defaultDetectOptions,
  minLineThickness: 16,
  maxDetectPixels: 1600 * 1600,
  layout: defaultLayoutOptions,
  cropPad: { across: 0.05, along: 0.1 },
  minLineConfidence: 0.3,
  flipThreshold: 0.5,
  columnReader: 'fusion',
  fusion: defaultFusionWeights,
  context: { ctc: defaultCtcContextWeights, slots: defaultDecoderWeights },
  seals: defaultSealOptions,
  ink: defaultInkOptions,
};

/** How a note is marked in the page's text, on a line of its own after the main text. */
export const NOTE_MARK = '〔註〕';

/** Smallest page side worth detecting on; below it the result is 'image-too-small'. */
const MIN_SIDE = 8;
const MIN_LONG_SIDE = 24;

const luminanceRange = (image: RgbImage): number => {
  const hist = new Uint32Array(256);
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const o = i * 3;
    hist[Math.round(0.299 * image.data[o]! + 0.587 * image.data[o + 1]! + 0.114 * image.data[o + 2]!)]!++;
  }
  const at = (q: number): number => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += hist[v]!) >= q * n) return v;
    return 255;
  };
  // 1 pixel in 10,000: a page with one small word on it is not blank; a dust speck is not text.
  return at(0.9999) - at(0.0001);
};

/** Puts a quad's corners clockwise (on screen) starting at the one nearest the page's top-left. */
const pageQuad = (points: readonly Point[]): Quad => {
  const area = points.reduce((s, p, i) => {
    const q = points[(i + 1) % points.length]!;
    return s + p.x * q.y - q.x * p.y;
  }, 0);
  const ordered = area < 0 ? [...points].reverse() : [...points];
  let first = 0;
  ordered.forEach((p, i) => {
    if (p.x + p.y < ordered[first]!.x + ordered[first]!.y) first = i;
  });
  const at = (k: number): Point => ordered[(first + k) % ordered.length]!;
  return [at(0), at(1), at(2), at(3)];
};

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

const boundsQuad = (b: Bounds): Quad => [
  { x: b.x0, y: b.y0 },
  { x: b.x1, y: b.y0 },
  { x: b.x1, y: b.y1 },
  { x: b.x0, y: b.y1 },
];

const flipRect = (r: OrientedRect, image: RgbImage): OrientedRect => ({ ...r, cx: image.width - r.cx, cy: image.height - r.cy });

interface ReadPiece {
  frame: LineFrame;
  /** The reading (in context for columns when the language model is there) and the greedy one. */
  chars: RecognisedChar[];
  greedy: RecognisedChar[];
}

const emptyPage = (page: { width: number; height: number }, reason: EmptyReason): OcrPage => ({
  width: page.width,
  height: page.height,
  orientation: 'horizontal',
  rotation: 0,
  lines: [],
  notes: [],
  seals: [],
  unreadInk: null,
  text: '',
  simplified: '',
  reason,
});

export interface OcrEngine {
  readonly recogniser: Recogniser;
  /** Reads one page image (any format sharp decodes). Throws AppError INVALID_IMAGE for unreadable bytes. */
  readPage(bytes: Uint8Array, tracer: Tracer): Promise<OcrPage>;
}

export const createOcrEngine = (models: OcrModels, options: OcrOptions = defaultOcrOptions): OcrEngine => {
  const recogniser = ppOcrRecogniser(models.recognition, models.classes, models.ppOcr);

  const cut = (image: RgbImage, rect: OrientedRect, axis: LayoutLine['axis']): { frame: LineFrame; line: RgbImage } => {
    const frame = lineFrame(rect, axis, options.cropPad, recogniser.lineHeight);
    return { frame, line: sampleLine(image, frame) };
  };

  const detect = async (page: DecodedPage, tracer: Tracer): Promise<OrientedRect[]> => {
    const first = await tracer.step(
      'ocr.detect',
      'detected text boxes',
      () => detectText(models.detection, page.image, options.detect),
      (d) => ({ boxes: d.boxes.length, input: `${d.inputWidth}x${d.inputHeight}` }),
    );
    const rects = first.boxes.map((b) => b.rect);
    const scale = first.inputWidth / page.image.width;
    const thickness = rects.map((r) => Math.min(r.w, r.h) * scale).sort((a, b) => a - b)[rects.length >> 1];
    if (thickness === undefined || thickness >= options.minLineThickness) return rects;
    // Small text (a small page scanned with wide margins, or dense print): look again, closer, at
    // the area where text was found, within a budget of detector pixels.
    const bounds = rects.map(rectBounds);
    const margin = (2 * Math.max(...rects.map((r) => Math.min(r.w, r.h)))) | 0;
    const x0 = Math.min(...bounds.map((b) => b.x0)) - margin;
    const y0 = Math.min(...bounds.map((b) => b.y0)) - margin;
    const region = cropRgb(page.image, x0, y0, Math.max(...bounds.map((b) => b.x1)) + margin, Math.max(...bounds.map((b) => b.y1)) + margin);
    const wanted = (Math.max(region.width, region.height) * scale * 1.5 * options.minLineThickness) / thickness;
    const budget = Math.sqrt((options.maxDetectPixels * Math.max(region.width, region.height)) / Math.min(region.width, region.height));
    const longSide = Math.round(Math.min(wanted, budget));
    if (longSide <= Math.max(region.width, region.height) * scale * 1.2) return rects;
    const second = await tracer.step(
      'ocr.detect',
      'detected text boxes again, closer (thin lines)',
      () => detectText(models.detection, region, { ...options.detect, longSide }),
      (d) => ({ boxes: d.boxes.length, input: `${d.inputWidth}x${d.inputHeight}`, firstThickness: thickness }),
    );
    const left = Math.max(0, Math.floor(x0));
    const top = Math.max(0, Math.floor(y0));
    return second.boxes.map(({ rect }) => ({ ...rect, cx: rect.cx + left, cy: rect.cy + top }));
  };

  // Columns are read in context: handwritten minutes are where greedy decoding loses most.
  const lm = models.languageModel;
  const columnContext: CtcContext | undefined =
    options.context === null || options.context.ctc === null || lm === null ? undefined : { lm, weights: options.context.ctc, toChar: traditionalChar };

  const readLine = async (image: RgbImage, line: LayoutLine): Promise<ReadPiece[]> => {
    const pieces: ReadPiece[] = [];
    for (const rect of line.pieces) {
      const { frame, line: lineImage } = cut(image, rect, line.axis);
      const read = await recogniser.recognise(lineImage, line.axis === 'column' ? columnContext : undefined);
      pieces.push({ frame, ...read });
    }
    return pieces;
  };

  const toPage = (page: DecodedPage, flipped: boolean) => (p: Point): Point => {
    const x = flipped ? page.image.width - p.x : p.x;
    const y = flipped ? page.image.height - p.y : p.y;
    return { x: x / page.scale, y: y / page.scale };
  };

  /** PP-OCR's characters with Traditional candidates; the best one is converted with the line as context. */
  const ppOcrReadings = (line: LayoutLine, pieces: ReadPiece[], reading: 'chars' | 'greedy'): LineReading[] => {
    const found = pieces.flatMap((piece) =>
      piece[reading].map((c) => ({ c, frame: piece.frame })).filter(({ c }) => c.raw !== ' ' || line.axis === 'row'),
    );
    // Spaces only separate words inside a row.
    while (found[0]?.c.raw === ' ') found.shift();
    while (found.at(-1)?.c.raw === ' ') found.pop();
    const traditional = traditionalChars(found.map(({ c }) => c.raw));
    return found.map(({ c, frame }, i) => ({
      frame,
      span: { start: c.start * frame.width, end: c.end * frame.width },
      candidates: [
        { char: traditional[i] ?? c.raw, raw: c.raw, score: c.confidence, models: [recogniser.id] },
        ...c.candidates.filter((k) => k.raw !== c.raw).map((k) => ({ char: traditionalChar(k.raw), raw: k.raw, score: k.score, models: [recogniser.id] })),
      ],
      byContext: c.byContext ?? false,
    }));
  };

  /**
   * A column's reading: PP-OCR's characters, with our classifier's where `columnReader` asks for it,
   * then chosen in context by the language model (when there is one) or character by character.
   */
  const readColumn = async (image: RgbImage, pieces: ReadPiece[], readings: LineReading[]): Promise<LineReading[]> => {
    const classifier = models.characters;
    let slots: ColumnSlot[] = readings.map((r) => ({ ...r, optional: false }));
    if (options.columnReader !== 'ppocr' && classifier !== null && pieces.length > 0) {
      // In line-image pixels: the column's thickness and the margins the cut added around it.
      const height = recogniser.lineHeight;
      const thickness = height / (1 + 2 * options.cropPad.across);
      const margin = options.cropPad.along * thickness;
      const columnPieces: ColumnPiece[] = pieces.map(({ frame }) => ({
        frame,
        chars: readings.filter((r) => r.frame === frame),
        text: { start: margin, end: frame.width - margin },
        thickness,
      }));
      slots = await classifyColumn(image, columnPieces, classifier, options.columnReader, options.fusion);
    }
    return options.context !== null && lm !== null ? chooseInContext(slots, lm, options.context.slots) : chooseByScore(slots, options.fusion);
  };

  /** A line as read; `fromInk` lines were found in the ink, not by the detector, so are not judged as its false alarms. */
  const assemble = async (image: RgbImage, line: LayoutLine, pieces: ReadPiece[], toPagePoint: (p: Point) => Point, fromInk: boolean): Promise<OcrLine | undefined> => {
    const greedy = ppOcrReadings(line, pieces, 'greedy');
    if (greedy.length === 0) return undefined;
    // Detector false alarms are judged on PP-OCR's greedy reading, whoever reads the characters.
    if (!fromInk && greedy.reduce((s, r) => s + r.candidates[0]!.score, 0) / greedy.length < options.minLineConfidence) return undefined;
    let readings = ppOcrReadings(line, pieces, 'chars');
    if (line.axis === 'column') readings = await readColumn(image, pieces, readings);
    if (readings.length === 0) return undefined;
    const chars: OcrChar[] = readings.map((reading) => {
      const { frame, span, candidates } = reading;
      const best = candidates[0]!;
      return {
        char: best.char,
        raw: best.raw,
        confidence: best.score,
        candidates: candidates.slice(0, 5),
        box: pageQuad(
          [framePoint(frame, span.start, 0), framePoint(frame, span.end, 0), framePoint(frame, span.end, frame.height), framePoint(frame, span.start, frame.height)].map(
            toPagePoint,
          ),
        ),
        model: best.models[0] ?? recogniser.id,
        byContext: reading.byContext,
      };
    });
    const confidence = chars.reduce((s, c) => s + c.confidence, 0) / chars.length;
    const outline = line.pieces.length === 1 ? line.pieces[0]! : minAreaRect(line.pieces.flatMap((r) => rectCorners(r)));
    return {
      kind: line.kind,
      box: pageQuad(mapQuad(rectCorners(outline), toPagePoint)),
      text: chars.map((c) => c.char).join(''),
      confidence,
      chars,
    };
  };

  const readPage = async (bytes: Uint8Array, tracer: Tracer): Promise<OcrPage> => {
    const page = await tracer.step(
      'ocr.decode',
      'decoded page',
      () => decodePage(bytes, options.maxSide),
      (p) => ({ width: p.width, height: p.height, working: `${p.image.width}x${p.image.height}` }),
    );
    if (Math.min(page.width, page.height) < MIN_SIDE || Math.max(page.width, page.height) < MIN_LONG_SIDE) {
      tracer.report({ source: 'ocr.page', message: 'image too small to hold text', data: { width: page.width, height: page.height } });
      return emptyPage(page, 'image-too-small');
    }
    const range = luminanceRange(page.image);
    if (range < 24) {
      tracer.report({ source: 'ocr.page', message: 'blank page (no contrast)', data: { luminanceRange: range } });
      return emptyPage(page, 'blank-page');
    }
    const found = options.seals === null ? [] : findSeals(page.image, options.seals);
    if (found.length > 0) tracer.report({ source: 'ocr.seals', message: `found ${found.length} seals`, data: { seals: found.length } });
    const clean: DecodedPage = { ...page, image: withoutSeals(page.image, found) };
    const rects = await detect(clean, tracer);
    if (rects.length === 0) return emptyPage(page, 'no-text-found');

    let layout: Layout = await tracer.step(
      'ocr.layout',
      'ordered lines',
      () => planLayout(rects, options.layout),
      (l) => ({ orientation: l.orientation, lines: l.lines.length, notes: l.lines.filter((x) => x.kind === 'note').length, skewDeg: (l.skew * 180) / Math.PI }),
    );
    const angle = models.angle;
    const upsideDown =
      angle === null
        ? 0
        : await tracer.step(
            'ocr.orientation',
            'checked for an upside-down page',
            () => upsideDownProbability(angle, layout.lines.flatMap((l) => l.pieces.map((r) => cut(clean.image, r, l.axis).line))),
            (p) => ({ upsideDown: p }),
          );
    if (angle === null) tracer.report({ source: 'ocr.orientation', level: 'warn', message: 'angle model not installed: page read as it stands' });
    if (models.languageModel === null && options.context !== null) {
      tracer.report({ source: 'ocr.recognise', level: 'warn', message: 'character language model not installed: columns read character by character' });
    }
    if (models.characters === null && options.columnReader !== 'ppocr') {
      tracer.report({ source: 'ocr.recognise', level: 'warn', message: 'character classifier not installed: columns read by PP-OCR alone' });
    }
    const flipped = upsideDown > options.flipThreshold;
    let image = clean.image;
    let seals: FoundSeal[] = found;
    if (flipped) {
      image = rotate180(clean.image);
      layout = planLayout(rects.map((r) => flipRect(r, clean.image)), options.layout);
      seals = found.map((s) => ({ ...s, x0: image.width - s.x1, x1: image.width - s.x0, y0: image.height - s.y1, y1: image.height - s.y0 }));
    }
    const toPagePoint = toPage(page, flipped);
    // Lines already read, by their pieces: a second layout with columns found in the ink reads only what is new.
    const readings = new Map<string, OcrLine | undefined>();
    const fromInk = new Set<OrientedRect>();
    const readOne = async (from: RgbImage, line: LayoutLine, found: boolean): Promise<OcrLine | undefined> =>
      assemble(from, line, await readLine(from, line), toPagePoint, found);
    /** Lines found in the ink are read as they stand and `restored`, and the more confident reading is kept. */
    const readLayout = async (plan: Layout, restored?: RgbImage): Promise<{ line: LayoutLine; read: OcrLine }[]> => {
      const out: { line: LayoutLine; read: OcrLine }[] = [];
      for (const line of plan.lines) {
        const key = JSON.stringify(line.pieces);
        if (!readings.has(key)) {
          const found = line.pieces.some((r) => fromInk.has(r));
          let reading = await readOne(image, line, found);
          const other = found && restored !== undefined ? await readOne(restored, line, found) : undefined;
          if (other !== undefined && (reading === undefined || other.confidence > reading.confidence)) reading = other;
          readings.set(key, reading);
        }
        const read = readings.get(key);
        if (read !== undefined) out.push({ line, read });
      }
      return out;
    };
    const summary = (ls: { read: OcrLine }[]) => ({
      lines: ls.length,
      chars: ls.reduce((s, l) => s + l.read.chars.length, 0),
      byContext: ls.reduce((s, l) => s + l.read.chars.filter((c) => c.byContext).length, 0),
      dropped: layout.lines.length - ls.length,
    });
    let read = await tracer.step('ocr.recognise', 'read lines', () => readLayout(layout), summary);
    let unread: number | null = null;
    if (options.ink !== null) {
      const ink = options.ink;
      const checked = await tracer.step(
        'ocr.ink',
        'looked for ink no line covers',
        async () => {
          const map = inkMap(image, ink);
          const unreadShare = (lines: readonly { line: LayoutLine }[]): { mask: Uint8Array; share: number } => {
            const mask = unreadInk(map, lines.flatMap((l) => l.line.pieces), seals);
            return { mask, share: map.total === 0 ? 0 : inkCount(mask) / map.total };
          };
          const before = unreadShare(read);
          const axis = layout.orientation === 'vertical' ? 'column' : 'row';
          const thicknesses = read.filter((l) => l.line.axis === axis).flatMap((l) => l.line.pieces.map((r) => (axis === 'column' ? r.w : r.h)));
          const thickness = [...thicknesses].sort((a, b) => a - b)[thicknesses.length >> 1];
          const recovered = thickness !== undefined && looksLikePaper(image) ? inkLines(before.mask, map.width, map.height, thickness, axis, ink) : [];
          let lines = read;
          if (recovered.length > 0) {
            for (const r of recovered) fromInk.add(r);
            layout = planLayout([...read.flatMap((l) => l.line.pieces), ...recovered], options.layout);
            // Strokes are thickened by about a thirtieth of the line's thickness (2 px on a 60 px column).
            lines = await readLayout(layout, restoreInk(image, map, recovered, Math.max(1, Math.round((thickness ?? 0) / 30))));
          }
          const after = recovered.length > 0 ? unreadShare(lines).share : before.share;
          return { lines, inkPixels: map.total, unreadBefore: before.share, recovered: recovered.length, unread: after };
        },
        (r) => ({ inkPixels: r.inkPixels, unreadBefore: round3(r.unreadBefore), linesFound: r.recovered, unread: round3(r.unread) }),
      );
      read = checked.lines;
      unread = round3(checked.unread);
    }
    const lines = read.filter((l) => l.read.kind !== 'note').map((l) => l.read);
    const notes: OcrNote[] = [];
    for (const [i, l] of read.entries()) {
      if (l.read.kind === 'note') notes.push({ ...l.read, kind: 'note', after: read.slice(0, i).filter((x) => x.read.kind !== 'note').length });
    }
    if (lines.length === 0 && notes.length === 0) return emptyPage(page, 'no-text-found');
    const text = [...lines.map((l) => l.text), ...notes.map((n) => `${NOTE_MARK}${n.text}`)].join('\n');
    return {
      width: page.width,
      height: page.height,
      orientation: layout.orientation,
      rotation: flipped ? 180 : 0,
      lines,
      notes,
      seals: found.map((s): OcrSeal => ({ box: pageQuad(mapQuad(boundsQuad(s), toPage(page, false))), inkShare: round3(s.fill) })),
      unreadInk: unread,
      text,
      simplified: simplifiedText(text),
      reason: null,
    };
  };

  return { recogniser, readPage };
};

/** Reads a page with this thread's shared models (the packaged files unless `paths` says otherwise). */
export const readPage = async (
  bytes: Uint8Array,
  tracer: Tracer,
  options: OcrOptions = defaultOcrOptions,
  paths?: OcrModelPaths,
): Promise<OcrPage> => createOcrEngine(await sharedOcrModels(paths), options).readPage(bytes, tracer);
