"""Handwriting-like character renders from stroke data instead of fonts: the per-stroke medians of Make Me a
Hanzi as packaged in npm hanzi-writer-data (fetched by train.sh with `npm pack` into WORK/strokes), drawn
in writing order with a brush model of our own. Per render: a brush width; per stroke: a shift, turn and
scale of its own (jitter), a wobble along it, a speed profile (slow where the brush lands and turns, fast
along straight runs) that thins the line where it is fast, a pressed landing and, on some strokes, a tapered
exit; ink that runs dry along a stroke (lighter, broken) and differs from stroke to stroke. Running script:
on some renders, corners are rounded and one stroke's end is joined to the next one's start by a thin
hairline, as a writer who does not lift the brush does. Paper, blur, bleed and the scan come later, from
augment.py, as for the font renders. Deterministic: the same seed gives the same renders.
Data licence: the package says 'SEE LICENSE IN ARPHICPL.TXT' (Arphic Public License, 1999; Make Me a Hanzi
derived the strokes from Arphic's AR PL KaitiM fonts). Only renders of it are trained on; neither the data
nor any render is shipped.
Usage (coverage, a bank's time, example renders):
  /usr/bin/python3 strokes.py [--work /tmp/archaive-ccr] [--examples docs/images/ccr-strokes.png]"""
import json
import math
import os
import time

import numpy as np
from PIL import Image, ImageDraw

PACKAGE = ('hanzi-writer-data', '2.0.1')
SUPER = 64  # render size before the ink box is cut out and scaled to the glyph size


def data_dir(work):
    return os.path.join(work, 'strokes', f'{PACKAGE[0]}-{PACKAGE[1]}', 'package')


def load_medians(work, chars):
    """For each class, its strokes (lists of N x 2 float arrays in a unit square, y down) or None when the
    package has no such character."""
    folder = data_dir(work)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f'{folder}: train.sh fetches {PACKAGE[0]}@{PACKAGE[1]} there')
    out = []
    for ch in chars:
        path = os.path.join(folder, ch + '.json')
        if not os.path.exists(path):
            out.append(None)
            continue
        with open(path, encoding='utf-8') as f:
            medians = json.load(f)['medians']
        # Make Me a Hanzi's frame: 1024 units, y up, baseline at y = -124.
        out.append([np.array([(x / 1024, (900 - y) / 1024) for x, y in m], dtype=np.float64) for m in medians])
    return out


def _resample(points, step):
    """The polyline at about one point per `step` of its length (at least 2 points)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    length = seg.sum()
    if length < 1e-6:
        return np.repeat(points[:1], 2, axis=0)
    at = np.concatenate([[0], np.cumsum(seg)])
    t = np.linspace(0, length, max(2, int(length / step) + 1))
    return np.stack([np.interp(t, at, points[:, 0]), np.interp(t, at, points[:, 1])], axis=1)


def _chaikin(points, rounds):
    """Corners cut (running script rounds the turns a careful hand makes square)."""
    for _ in range(rounds):
        if len(points) < 3:
            break
        q = 0.75 * points[:-1] + 0.25 * points[1:]
        r = 0.25 * points[:-1] + 0.75 * points[1:]
        points = np.concatenate([points[:1], np.stack([q, r], axis=1).reshape(-1, 2), points[-1:]])
    return points


def _jitter(stroke, rng, amount):
    """A shift, turn and scale of the stroke about its centre, and a smooth wobble along it."""
    c = stroke.mean(axis=0)
    a = rng.normal(0, math.radians(5) * amount)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    s = 1 + rng.normal(0, 0.07 * amount)
    out = (stroke - c) @ rot.T * s + c + rng.normal(0, 0.018 * amount, 2)
    t = np.linspace(0, 1, len(out))[:, None]
    phase, freq = rng.uniform(0, 2 * math.pi, 2), rng.uniform(1, 3, 2)
    return out + 0.006 * amount * np.sin(2 * math.pi * freq * t + phase)


def _widths(points, base, rng):
    """Brush width at each point: pressed where the brush lands, thinner where it moves fast (straight,
    mid-stroke), thicker where it slows to turn; some strokes leave with a taper (a flick)."""
    n = len(points)
    t = np.linspace(0, 1, n)
    d = np.diff(points, axis=0)
    heading = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs(np.angle(np.exp(1j * np.diff(heading)))) if n > 2 else np.zeros(0)
    slow = np.zeros(n)
    slow[1:-1] = np.minimum(1, turn / 0.8)
    slow = np.convolve(slow, np.ones(5) / 5)[2:n + 2]
    speed = np.sin(np.pi * t) ** 0.6 * (1 - slow)
    w = base * (1.2 - rng.uniform(0.3, 0.6) * speed)
    w *= 1 + 0.35 * np.exp(-t / 0.08)                     # the brush lands
    if rng.random() < 0.45:                               # a flick: the brush lifts while moving
        w *= np.clip((1 - t) / rng.uniform(0.2, 0.45), 0.15, 1)
    return w


def _draw_stroke(points, widths, size):
    """A variable-width stroke as one grey layer (0..1): a quad per segment and a disc per point."""
    img = Image.new('L', (size, size), 0)
    draw = ImageDraw.Draw(img)
    p = points * size
    w = widths * size / 2
    d = np.diff(p, axis=0)
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(norm, 1e-9)
    left0, left1 = p[:-1] + normal * w[:-1, None], p[1:] + normal * w[1:, None]
    right0, right1 = p[:-1] - normal * w[:-1, None], p[1:] - normal * w[1:, None]
    for quad in np.stack([left0, left1, right1, right0], axis=1).reshape(len(d), 8).tolist():
        draw.polygon(quad, fill=255)
    for box in np.concatenate([p - w[:, None], p + w[:, None]], axis=1).tolist():
        draw.ellipse(box, fill=255)
    return np.asarray(img, dtype=np.float32) / 255


def _hairline(end, start, heading, rng):
    """The thin connecting movement from one stroke's end to the next one's start, bowed along the
    direction the brush was leaving in."""
    ctrl = end + heading * np.linalg.norm(start - end) * rng.uniform(0.2, 0.5)
    t = np.linspace(0, 1, 12)[:, None]
    return (1 - t) ** 2 * end + 2 * (1 - t) * t * ctrl + t ** 2 * start


def render_strokes(strokes, rng, size=48):
    """One handwriting-like render of a character (ink 1 on 0) as uint8 size x size, its ink box scaled to
    fill the square like glyphs.render does for fonts."""
    # Brush width, in character heights; a hand writes many-stroke characters with finer lines.
    base = rng.uniform(0.035, 0.08) * min(1.1, max(0.6, math.sqrt(12 / len(strokes))))
    jitter = rng.uniform(0.3, 1.3)
    running = rng.random() < 0.5
    join = rng.uniform(0.3, 0.8) if running else 0.0
    ink = np.zeros((SUPER, SUPER), dtype=np.float32)
    prev_end = prev_heading = None
    for stroke in strokes:
        s = _jitter(stroke, rng, jitter)
        if running:
            s = _resample(_chaikin(s, 2), 0.01)
            k = int(len(s) * rng.uniform(0, 0.05))    # a hurried hand shortens strokes
            s = s[k: len(s) - k] if len(s) - 2 * k >= 2 else s
        pts = _resample(s, 0.02)
        w = _widths(pts, base * rng.uniform(0.85, 1.15), rng)
        layer = _draw_stroke(pts, w, SUPER)
        # Ink: a level of its own per stroke, running dry along it (lighter, then broken).
        level = rng.uniform(0.7, 1.0)
        if rng.random() < 0.3:
            along = _draw_progress(pts, SUPER)
            dry = np.clip(1 - rng.uniform(0.3, 0.8) * along, 0.15, 1)
            grain = rng.random((SUPER, SUPER)) < 0.55 + 0.45 * dry
            layer = layer * dry * np.where(along > 0.5, grain, 1)
        ink = np.maximum(ink, layer * level)
        if prev_end is not None and rng.random() < join and np.linalg.norm(pts[0] - prev_end) < 0.45:
            hair = _hairline(prev_end, pts[0], prev_heading, rng)
            ink = np.maximum(ink, _draw_stroke(hair, np.full(len(hair), base * rng.uniform(0.2, 0.4)), SUPER) * level)
        d = pts[-1] - pts[-2]
        prev_end, prev_heading = pts[-1], d / max(np.linalg.norm(d), 1e-9)
    return _fit(ink, size)


def _draw_progress(points, size):
    """For each pixel near the stroke, how far along the stroke (0..1) its nearest point lies."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    q = points[:: max(1, len(points) // 16)]
    d = (xx[..., None] - q[:, 0]) ** 2 + (yy[..., None] - q[:, 1]) ** 2
    return np.argmin(d, axis=2).astype(np.float32) / max(1, len(q) - 1)


def _fit(ink, size):
    ys, xs = np.nonzero(ink > 0.12)
    if len(ys) == 0:
        return np.zeros((size, size), dtype=np.uint8)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    side = max(y1 - y0, x1 - x0)
    cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
    img = Image.fromarray((ink * 255).astype(np.uint8))
    box = (cx - side // 2, cy - side // 2, cx - side // 2 + side, cy - side // 2 + side)
    return np.asarray(img.crop(box).resize((size, size), Image.BILINEAR))


def render_bank(medians, variants, seed, size=48, log=None):
    """`variants` renders of every class the data has: glyphs[variant][class] uint8, have[variant][class].
    Each (variant, class) render has its own generator, so a bank is the same whatever else is drawn."""
    glyphs = np.zeros((variants, len(medians), size, size), dtype=np.uint8)
    have = np.zeros((variants, len(medians)), dtype=bool)
    t = time.time()
    for k, strokes in enumerate(medians):
        if strokes is None:
            continue
        for v in range(variants):
            glyphs[v, k] = render_strokes(strokes, np.random.default_rng([seed, v, k]), size)
            have[v, k] = True
        if log and k % 1000 == 999:
            log(f'strokes: {k + 1} classes, {time.time() - t:.0f}s')
    return glyphs, have


def bank_cache(work, chars, variants, seed, log=print):
    """A bank of stroke renders cached in WORK/strokes48-<variants>-<seed>.npz."""
    cache = os.path.join(work, f'strokes48-{variants}-{seed}.npz')
    if os.path.exists(cache):
        z = np.load(cache)
        return z['glyphs'], z['have']
    t = time.time()
    glyphs, have = render_bank(load_medians(work, chars), variants, seed, log=log)
    np.savez(cache, glyphs=glyphs, have=have)
    log(f'stroke renders: {variants} x {int(have[0].sum())} classes in {time.time() - t:.0f}s -> {cache}')
    return glyphs, have


if __name__ == '__main__':
    import argparse
    from glyphs import big5_level1
    p = argparse.ArgumentParser()
    p.add_argument('--work', default='/tmp/archaive-ccr')
    p.add_argument('--examples', default=None, help='write a sheet of example renders (PNG) here')
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    chars = big5_level1()
    medians = load_medians(a.work, chars)
    have = [m is not None for m in medians]
    print(f'{PACKAGE[0]}@{PACKAGE[1]}: {sum(have)} of {len(chars)} Big5 level-1 characters')
    missing = ''.join(c for c, h in zip(chars, have) if not h)
    print(f'missing ({len(missing)}): {missing}')
    t = time.time()
    for k in range(200):
        render_strokes(medians[chars.index('議')], np.random.default_rng([a.seed, k]))
    print(f'{(time.time() - t) / 200 * 1000:.1f} ms a render')
    if a.examples:
        from augment import augment
        import torch
        sample = '新嘉坡中華商務總會議事簿去冬張弼士'
        rows = []
        for v in range(6):
            rows.append(np.concatenate([255 - render_strokes(medians[chars.index(c)], np.random.default_rng([a.seed, v, i]), 64)
                                        for i, c in enumerate(sample)], axis=1))
        clean = np.concatenate(rows, axis=0)
        ink = torch.from_numpy(np.stack([render_strokes(medians[chars.index(c)], np.random.default_rng([a.seed, 9, i]))
                                         for i, c in enumerate(sample)])).unsqueeze(1).float() / 255
        cells = augment(ink, torch.Generator().manual_seed(a.seed))
        cells = torch.nn.functional.interpolate(cells, size=(64, 64), mode='nearest')
        aug = (cells.squeeze(1).numpy() * 255).astype(np.uint8)
        sheet = np.concatenate([clean, np.full((8, clean.shape[1]), 255, np.uint8), np.concatenate(list(aug), axis=1)])
        Image.fromarray(sheet).save(a.examples, optimize=True)
        print(f'examples -> {a.examples}')
