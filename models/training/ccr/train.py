"""Trains the Traditional Chinese character classifier (CCR) on augmented renders of Kai-style fonts and
exports it to ONNX with its vocabulary and a temperature calibrated on synthetic validation data.
No image from the sample page or any other real scan is used."""
import argparse
import hashlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from augment import augment
from glyphs import FONTS, big5_level1, render_all
from model import CharNet

p = argparse.ArgumentParser()
p.add_argument('--work', default='/tmp/archaive-ccr')
p.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'ccr'))
p.add_argument('--steps', type=int, default=12000)
p.add_argument('--batch', type=int, default=128)
p.add_argument('--lr', type=float, default=0.004)
p.add_argument('--seed', type=int, default=20261126)
p.add_argument('--max-minutes', type=float, default=60, help='stop early (and export) after this wall time')
p.add_argument('--threads', type=int, default=1)
p.add_argument('--export-every', type=int, default=2000)
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

glyphs_t = torch.from_numpy(glyphs)
# For each class, the fonts that have it, so sampling never draws an empty render.
font_lists = [np.nonzero(have[:, k])[0] for k in range(len(chars))]


def sample(n, g):
    labels = torch.randint(len(chars), (n,), generator=g)
    fonts = torch.tensor([font_lists[k][torch.randint(len(font_lists[k]), (1,), generator=g).item()]
                          for k in labels.tolist()])
    ink = glyphs_t[fonts, labels].unsqueeze(1).float() / 255
    return augment(ink, g), labels


# Fixed synthetic validation set: 2 per class on average, its own seed.
gv = torch.Generator().manual_seed(args.seed + 1)
val = [sample(500, gv) for _ in range(22)]

model = CharNet(len(chars))
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
warm = 300


def lr_at(step):
    """Warm-up, then cosine decay over the steps or the wall-time cap, whichever comes first, so a run cut
    short by the cap still ends annealed."""
    if step < warm:
        return args.lr * (step + 1) / warm
    progress = max((step - warm) / max(1, args.steps - warm), (time.time() - t0) / (args.max_minutes * 60))
    return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def val_logits():
    model.eval()
    with torch.no_grad():
        out = [(model(x), y) for x, y in val]
    model.train()
    return torch.cat([o for o, _ in out]), torch.cat([y for _, y in out])


def fit_temperature(logits, labels):
    best = (1.0, 1e9)
    for t in np.arange(0.5, 3.01, 0.05):
        nll = F.cross_entropy(logits / t, labels).item()
        if nll < best[1]:
            best = (float(t), nll)
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
    logits, labels = val_logits()
    top1 = float((logits.argmax(1) == labels).float().mean())
    top5 = float((logits.topk(5, 1).indices == labels[:, None]).any(1).float().mean())
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
        'step': step, 'steps': args.steps, 'batch': args.batch, 'seed': args.seed, 'lr': args.lr,
        'minutes': round((time.time() - t0) / 60, 1), 'classes': len(chars), 'input': [1, 32, 32],
        'fonts': [os.path.basename(f) + (f'#{i}' if i else '') for f, i in FONTS],
        'synthetic_val': {'n': int(labels.numel()), 'top1': round(top1, 4), 'top5': round(top5, 4)},
        'temperature': temp,
        'reliability': reliability(F.softmax(logits / temp, 1), labels),
        'sha256': sha,
    }
    with open(os.path.join(args.out, 'ccr-big5-kai.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    torch.save(model.state_dict(), os.path.join(args.work, 'ccr.pt'))
    print(f'export step {step}: val top1 {top1:.4f} top5 {top5:.4f} T {temp:.2f} sha {sha[:12]}', flush=True)


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
