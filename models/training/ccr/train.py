"""Trains the Traditional Chinese character classifier (CCR) on augmented renders of Kai-style fonts (and,
with --brush-share, brush and semi-cursive fonts) and exports it to ONNX with its vocabulary and a
temperature calibrated on synthetic validation data. No image from the sample page or any other real scan
is used.
--init CHECKPOINT starts from those weights (a state dict saved by this script: same network, same
vocabulary) instead of a random initialisation, for fine-tuning; the optimiser starts afresh, so keep a
warm-up (--warmup) and a lower --lr.
--brush-share P: for a class that some brush font of glyphs.FONTSOURCE has, a sample is drawn from those
brush fonts with probability P (uniformly among the ones that have it), otherwise from the Kai fonts (the
8 of glyphs.FONTS plus FONTSOURCE's 'kai' ones). P = 0 (the default) is the original Kai-only training.
Validation: 'synthetic_val' is always the original set (the 8 Kai fonts, seed + 1, the very same cells
whatever the options), so runs stay comparable; with brush fonts there is also 'synthetic_val_brush'
(11,000 cells drawn from brush (font, character) pairs only, seed + 2), and the temperature is then fitted
on both sets together."""
import argparse
import hashlib
import json
import math
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from augment import augment
from glyphs import FONTS, big5_level1, font_label, fontsource_cache, render_all
from model import CharNet

p = argparse.ArgumentParser()
p.add_argument('--work', default='/tmp/archaive-ccr')
p.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'ccr'))
p.add_argument('--steps', type=int, default=12000)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--lr', type=float, default=0.004)
p.add_argument('--seed', type=int, default=20261126)
p.add_argument('--val-seed', type=int, default=None, help='seed of the validation sets (default: --seed), so a run with new training draws keeps the same validation cells')
p.add_argument('--max-minutes', type=float, default=60, help='stop early (and export) after this wall time')
p.add_argument('--threads', type=int, default=1)
p.add_argument('--export-every', type=int, default=2000)
p.add_argument('--warmup', type=int, default=300, help='steps of linear learning-rate warm-up')
p.add_argument('--init', default=None, help='start from this checkpoint (state dict) instead of random weights')
p.add_argument('--brush-share', type=float, default=0.0,
               help='probability of drawing a sample from the brush fonts when one of them has the class')
args = p.parse_args()

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
os.makedirs(args.work, exist_ok=True)
os.makedirs(args.out, exist_ok=True)
t0 = time.time()

chars = big5_level1()
cache = os.path.join(args.work, 'glyphs48.npz')
if os.path.exists(cache):
    z = np.load(cache)
    glyphs, have = z['glyphs'], z['have']
else:
    glyphs, have = render_all(chars)
    np.savez(cache, glyphs=glyphs, have=have)
print(f'glyphs: {len(chars)} classes x {len(FONTS)} fonts, coverage per font {have.sum(1).tolist()}, '
      f'{time.time() - t0:.0f}s', flush=True)
missing = [c for k, c in enumerate(chars) if not have[:, k].any()]
assert not missing, f'characters no font has: {missing[:20]}'
font_labels = [font_label(e) for e in FONTS]
styles = ['kai'] * len(FONTS)
if args.brush_share > 0:
    extra, extra_have, extra_styles, extra_labels = fontsource_cache(args.work, chars, log=lambda m: print(m, flush=True))
    glyphs = np.concatenate([glyphs, extra])
    have = np.concatenate([have, extra_have])
    styles += extra_styles
    font_labels += extra_labels
    print(f'fontsource: {extra_labels}, coverage {extra_have.sum(1).tolist()}, {time.time() - t0:.0f}s', flush=True)

glyphs_t = torch.from_numpy(glyphs)
# For each class, the fonts that have it, so sampling never draws an empty render: the original 8 Kai fonts
# (validation), all Kai fonts and the brush fonts (training).
kai8_lists = [np.nonzero(have[:len(FONTS), k])[0] for k in range(len(chars))]
kai_lists = [np.array([f for f in np.nonzero(have[:, k])[0] if styles[f] == 'kai']) for k in range(len(chars))]
brush_lists = [np.array([f for f in np.nonzero(have[:, k])[0] if styles[f] == 'brush']) for k in range(len(chars))]
brush_classes = [k for k in range(len(chars)) if len(brush_lists[k])]


def pick(lists, k, g):
    return int(lists[k][torch.randint(len(lists[k]), (1,), generator=g).item()])


def sample(n, g, lists=None):
    """Training batch (lists None: Kai or brush fonts as --brush-share says) or validation batch from the
    given per-class font lists. With brush share 0 the draws are exactly the original ones."""
    labels = torch.randint(len(chars), (n,), generator=g)
    fonts = []
    for k in labels.tolist():
        if lists is not None:
            fonts.append(pick(lists, k, g))
        elif args.brush_share > 0 and len(brush_lists[k]) and torch.rand(1, generator=g).item() < args.brush_share:
            fonts.append(pick(brush_lists, k, g))
        else:
            fonts.append(pick(kai_lists, k, g))
    fonts = torch.tensor(fonts)
    ink = glyphs_t[fonts, labels].unsqueeze(1).float() / 255
    return augment(ink, g), labels


def sample_brush(n, g):
    """Validation batch of brush renders only: classes some brush font has, one of those fonts."""
    labels = torch.tensor(brush_classes)[torch.randint(len(brush_classes), (n,), generator=g)]
    fonts = torch.tensor([pick(brush_lists, k, g) for k in labels.tolist()])
    ink = glyphs_t[fonts, labels].unsqueeze(1).float() / 255
    return augment(ink, g), labels


# Fixed synthetic validation set: 2 per class on average, its own seed, the original 8 Kai fonts.
val_seed = args.seed if args.val_seed is None else args.val_seed
gv = torch.Generator().manual_seed(val_seed + 1)
val = [sample(500, gv, kai8_lists) for _ in range(22)]
val_brush = None
if brush_classes:
    gb = torch.Generator().manual_seed(val_seed + 2)
    val_brush = [sample_brush(500, gb) for _ in range(22)]

model = CharNet(len(chars))
init_sha = None
if args.init:
    model.load_state_dict(torch.load(args.init))
    init_sha = hashlib.sha256(open(args.init, 'rb').read()).hexdigest()
    print(f'init from {args.init} (sha256 {init_sha[:12]})', flush=True)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
warm = args.warmup


def lr_at(step):
    """Warm-up, then cosine decay over the steps or the wall-time cap, whichever comes first, so a run cut
    short by the cap still ends annealed."""
    if step < warm:
        return args.lr * (step + 1) / warm
    progress = max((step - warm) / max(1, args.steps - warm), (time.time() - t0) / (args.max_minutes * 60))
    return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def val_logits(batches):
    model.eval()
    with torch.no_grad():
        out = [(model(x), y) for x, y in batches]
    model.train()
    return torch.cat([o for o, _ in out]), torch.cat([y for _, y in out])


def scores(logits, labels):
    top1 = float((logits.argmax(1) == labels).float().mean())
    top5 = float((logits.topk(5, 1).indices == labels[:, None]).any(1).float().mean())
    return {'n': int(labels.numel()), 'top1': round(top1, 4), 'top5': round(top5, 4),
            'temperature': fit_temperature(logits, labels)}


def evaluate():
    """Scores on the Kai set (and the brush set), and the logits the temperature is fitted on."""
    logits, labels = val_logits(val)
    out = {'synthetic_val': scores(logits, labels)}
    if val_brush is not None:
        lb, yb = val_logits(val_brush)
        out['synthetic_val_brush'] = scores(lb, yb)
        logits, labels = torch.cat([logits, lb]), torch.cat([labels, yb])
    return out, logits, labels


def fit_temperature(logits, labels):
    best = (1.0, 1e9)
    for t in np.arange(0.5, 3.01, 0.05):
        nll = F.cross_entropy(logits / t, labels).item()
        if nll < best[1]:
            best = (round(float(t), 2), nll)
    return best[0]


def reliability(probs, labels, bins=10):
    conf, pred = probs.max(1)
    rows = []
    for b in range(bins):
        m = (conf >= b / bins) & (conf < (b + 1) / bins + (1e-9 if b == bins - 1 else 0))
        if m.any():
            rows.append({'from': b / bins, 'to': (b + 1) / bins, 'n': int(m.sum()),
                         'accuracy': float((pred[m] == labels[m]).float().mean())})
    return rows


def export(step):
    sets, logits, labels = evaluate()
    temp = fit_temperature(logits, labels)
    model.eval()
    path = os.path.join(args.out, 'ccr-big5-kai.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, 32, 32), path, input_names=['cells'], output_names=['logits'],
                      dynamic_axes={'cells': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=13)
    model.train()
    with open(os.path.join(args.out, 'ccr-big5-kai.vocab.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(chars) + '\n')
    sha = hashlib.sha256(open(path, 'rb').read()).hexdigest()
    meta = {
        'step': step, 'steps': args.steps, 'batch': args.batch, 'seed': args.seed, 'val_seed': val_seed, 'lr': args.lr,
        'minutes': round((time.time() - t0) / 60, 1), 'classes': len(chars), 'input': [1, 32, 32],
        'fonts': font_labels,
        **sets,
        'temperature': temp,
        'reliability': reliability(F.softmax(logits / temp, 1), labels),
        'sha256': sha,
        'command': 'models/training/ccr/train.sh ' + ' '.join(shlex.quote(a) for a in sys.argv[1:]),
        'threads': args.threads, 'warmup': args.warmup, 'brush_share': args.brush_share,
    }
    if args.init:
        meta['init'] = {'checkpoint': os.path.abspath(args.init), 'sha256': init_sha, **init_sets}
    with open(os.path.join(args.out, 'ccr-big5-kai.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    torch.save(model.state_dict(), os.path.join(args.work, 'ccr.pt'))
    print(f'export step {step}: {json.dumps(sets)} T {temp:.2f} sha {sha[:12]}', flush=True)


init_sets = None
if args.init:
    init_sets, il, iy = evaluate()
    init_sets['temperature'] = fit_temperature(il, iy)
    print(f'init checkpoint: {json.dumps(init_sets)}, {time.time() - t0:.0f}s', flush=True)

g = torch.Generator().manual_seed(args.seed)
start = time.time()
ema = None
step = 0
for step in range(args.steps):
    for group in opt.param_groups:
        group['lr'] = lr_at(step)
    x, y = sample(args.batch, g)
    loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
    if step % 100 == 0:
        print(f'step {step} loss {ema:.3f} lr {lr_at(step):.5f} {time.time() - start:.0f}s', flush=True)
    if step and step % args.export_every == 0:
        export(step)
    if time.time() - t0 > args.max_minutes * 60:
        print(f'time cap reached at step {step}', flush=True)
        break
export(step + 1)
