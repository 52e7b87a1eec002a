"""Synthetic pages of vertical columns (right to left) of Big5 level-1 characters in Kai-style fonts,
distorted like the training glyphs and laid on one sheet of paper, with a ground truth of one line per
column. They are the validation data the fusion of PP-OCR and our classifier is calibrated on
(calibrate-fusion.ts); no real scan is involved. By default the characters are random, so no language
model helps; with --text the columns carry consecutive characters of that file (those outside Big5
level 1 dropped), for calibrating the weight of the character language model. With --held-out-fonts the
characters are drawn in fonts that neither recogniser was trained on (handwriting-like Google Fonts from
npm @fontsource, fetched with npm pack), so that the pages are as foreign to our classifier as real
handwriting is; characters those fonts lack are left out of the text.
Usage: /usr/bin/python3 synth_columns.py OUT_DIR [--pages 12] [--seed 7] [--text FILE] [--held-out-fonts]"""
import argparse
import glob
import os
import subprocess

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from augment import OUT, distort
from glyphs import big5_level1, render_all

p = argparse.ArgumentParser()
p.add_argument('out')
p.add_argument('--pages', type=int, default=12)
p.add_argument('--seed', type=int, default=7)
p.add_argument('--work', default='/tmp/archaive-ccr')
p.add_argument('--text', default=None)
p.add_argument('--held-out-fonts', action='store_true')
args = p.parse_args()

torch.set_num_threads(1)
g = torch.Generator().manual_seed(args.seed)
rng = np.random.default_rng(args.seed)
chars = big5_level1()
# Handwriting-like fonts (SIL OFL 1.1) that no training run uses: (npm package, version, weight).
HELD_OUT = [('klee-one', '5.3.0', 400), ('zen-kurenaido', '5.3.0', 400)]
if args.held_out_fonts:
    font_dir = os.path.join(args.work, 'fonts')
    os.makedirs(font_dir, exist_ok=True)
    entries = []
    for name, version, weight in HELD_OUT:
        folder = os.path.join(font_dir, f'fontsource-{name}-{version}')
        if not os.path.isdir(folder):
            subprocess.run(f'npm pack @fontsource/{name}@{version} >/dev/null && mkdir -p {folder} && tar xzf fontsource-{name}-{version}.tgz -C {folder}',
                           shell=True, check=True, cwd=font_dir)
        entries.append((sorted(glob.glob(os.path.join(folder, 'package', 'files', f'{name}-[0-9]*-{weight}-normal.woff'))), 0))
    glyphs, have = render_all(chars, fonts=entries, log=print)
else:
    cache = os.path.join(args.work, 'glyphs48.npz')
    if os.path.exists(cache):
        z = np.load(cache)
        glyphs = z['glyphs']
    else:
        glyphs, _ = render_all(chars)
    have = np.ones(glyphs.shape[:2], dtype=bool)
n_fonts = glyphs.shape[0]
os.makedirs(args.out, exist_ok=True)
stream = None
if args.text is not None:
    index = {c: i for i, c in enumerate(chars)}
    with open(args.text, encoding='utf-8') as f:
        stream = np.array([index[c] for c in f.read() if c in index and have[:, index[c]].any()], dtype=np.int64)

for page in range(args.pages):
    cols = int(rng.integers(6, 12))
    per_col = [int(rng.integers(8, 18)) for _ in range(cols)]
    size = int(rng.integers(22, 34))      # character size on the page, px
    gap = size * rng.uniform(0.0, 0.25)   # space between characters of a column
    pitch = size * rng.uniform(1.15, 1.6) # distance between columns
    height = int(max(per_col) * (size + gap) + 2 * size)
    width = int(cols * pitch + 2 * size)
    ink_page = np.zeros((height, width), dtype=np.float32)
    lines = []
    at = int(rng.integers(0, len(stream) - sum(per_col))) if stream is not None else 0
    for c in range(cols):
        if stream is None:
            labels = torch.from_numpy(rng.choice(np.flatnonzero(have.any(0)), per_col[c]))
        else:
            labels = torch.from_numpy(stream[at:at + per_col[c]])
            at += per_col[c]
        # A font that has the character (each character of the random stream is drawn from covered ones).
        fonts = torch.tensor([int(rng.choice(np.flatnonzero(have[:, k]))) for k in labels.tolist()], dtype=torch.long)
        ink = distort(torch.from_numpy(glyphs[fonts.numpy(), labels.numpy()]).unsqueeze(1).float() / 255, g, neighbours=False)
        ink = F.interpolate(ink, size=(size, size), mode='bilinear', align_corners=False).squeeze(1).numpy()
        x = int(width - size - (c + 1) * pitch + (pitch - size) / 2 + rng.normal(0, size * 0.04))
        y = size + rng.uniform(0, size * 0.5)
        for k in range(per_col[c]):
            yy = int(y + rng.normal(0, size * 0.03))
            xx = int(x + rng.normal(0, size * 0.05))
            ink_page[yy:yy + size, xx:xx + size] = np.maximum(ink_page[yy:yy + size, xx:xx + size], ink[k])
            y += size + gap * rng.uniform(0.5, 1.5)
        lines.append(''.join(chars[i] for i in labels.tolist()))
    # One sheet of paper: a warm tone, uneven light, the ink a little transparent, scanner noise.
    light = rng.uniform(0.65, 0.95) + 0.08 * (F.interpolate(torch.rand(1, 1, 4, 4, generator=g), size=(height, width), mode='bicubic',
                                                          align_corners=False)[0, 0].numpy() - 0.5)
    dark = rng.uniform(0.08, 0.3)
    grey = light - (light - dark) * ink_page + rng.normal(0, 0.03, ink_page.shape)
    tint = np.array([1.0, 0.93, 0.8])
    rgb = np.clip(grey[..., None] * tint * 255, 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(args.out, f'page-{page:02d}.jpg'), quality=int(rng.integers(60, 90)))
    with open(os.path.join(args.out, f'page-{page:02d}.gt.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
print(f'{args.pages} pages in {args.out}')
