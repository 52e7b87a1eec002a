"""Trains the Traditional Chinese character classifier (CCR) on augmented renders of Kai-style fonts (and,
with --brush-share, brush and semi-cursive fonts) and exports it to ONNX with its vocabulary and a
temperature calibrated on synthetic validation data. No image from the sample page or any other real scan
is used.
--init CHECKPOINT starts from those weights (a state dict saved by this script: same network, same
vocabulary; or an exported .onnx such as the committed model, see init_from_onnx) instead of a random
initialisation, for fine-tuning; the optimiser starts afresh, so keep a warm-up (--warmup) and a lower --lr.
--brush-share P: for a class that some brush font of glyphs.FONTSOURCE has, a sample is drawn from those
brush fonts with probability P (uniformly among the ones that have it), otherwise from the Kai fonts (the
8 of glyphs.FONTS plus FONTSOURCE's 'kai' ones). P = 0 (the default) is the original Kai-only training.
--stroke-share S: for a class the stroke data has, a sample is drawn from --stroke-variants brush-model
renders of its strokes (strokes.py, seed --seed) with probability S, otherwise as --brush-share says.
Validation: 'synthetic_val' is always the original set (the 8 Kai fonts, seed + 1, the very same cells
whatever the options), so runs stay comparable; with brush fonts there is also 'synthetic_val_brush'
(11,000 cells drawn from brush (font, character) pairs only, seed + 2); with stroke renders,
'synthetic_val_stroke' (11,000 cells of 2 stroke renders per class drawn with a seed of their own, val seed +
1000, so never the training renders; cells seed + 3). The temperature is fitted on all sets together."""
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
from strokes import bank_cache, data_dir

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
p.add_argument('--init', default=None, help='start from this checkpoint (state dict, or an exported .onnx) instead of random weights')
p.add_argument('--brush-share', type=float, default=0.0,
               help='probability of drawing a sample from the brush fonts when one of them has the class')
p.add_argument('--stroke-share', type=float, default=0.0,
               help='probability of drawing a sample from the stroke renders when the stroke data has the class')
p.add_argument('--stroke-variants', type=int, default=6, help='stroke renders per class for training')
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
val_seed = args.seed if args.val_seed is None else args.val_seed
if args.stroke_share > 0:
    # Training renders and, with a seed of their own, the validation ones: each variant is one more 'font'.
    for variants, seed, style in ((args.stroke_variants, args.seed, 'stroke'), (2, val_seed + 1000, 'stroke-val')):
        extra, extra_have = bank_cache(args.work, chars, variants, seed, log=lambda m: print(m, flush=True))
        glyphs = np.concatenate([glyphs, extra])
        have = np.concatenate([have, extra_have])
        styles += [style] * variants
        font_labels += [f'{os.path.basename(os.path.dirname(data_dir(args.work)))} stroke render {v} (seed {seed}, {style})'
                        for v in range(variants)]
    print(f'stroke renders: {int(have[styles.index("stroke")].sum())} classes, {time.time() - t0:.0f}s', flush=True)

glyphs_t = torch.from_numpy(glyphs)
# For each class, the fonts that have it, so sampling never draws an empty render: the original 8 Kai fonts
# (validation), all Kai fonts, the brush fonts and the stroke renders (training), the stroke renders kept for
# validation.
kai8_lists = [np.nonzero(have[:len(FONTS), k])[0] for k in range(len(chars))]


def style_lists(style):
    """For each class, the fonts (or stroke variants) of that style that have it."""
    return [np.array([f for f in np.nonzero(have[:, k])[0] if styles[f] == style]) for k in range(len(chars))]


kai_lists, brush_lists, stroke_lists, stroke_val_lists = (style_lists(s) for s in ('kai', 'brush', 'stroke', 'stroke-val'))
brush_classes = [k for k in range(len(chars)) if len(brush_lists[k])]
stroke_val_classes = [k for k in range(len(chars)) if len(stroke_val_lists[k])]


def pick(lists, k, g):
    return int(lists[k][torch.randint(len(lists[k]), (1,), generator=g).item()])


def sample(n, g, lists=None):
    """Training batch (lists None: Kai or brush fonts as --brush-share says) or validation batch from the
    given per-class font lists. With brush and stroke shares 0 the draws are exactly the original ones."""
    labels = torch.randint(len(chars), (n,), generator=g)
    fonts = []
    for k in labels.tolist():
        if lists is not None:
            fonts.append(pick(lists, k, g))
        elif args.stroke_share > 0 and len(stroke_lists[k]) and torch.rand(1, generator=g).item() < args.stroke_share:
            fonts.append(pick(stroke_lists, k, g))
        elif args.brush_share > 0 and len(brush_lists[k]) and torch.rand(1, generator=g).item() < args.brush_share:
            fonts.append(pick(brush_lists, k, g))
        else:
            fonts.append(pick(kai_lists, k, g))
    fonts = torch.tensor(fonts)
    ink = glyphs_t[fonts, labels].unsqueeze(1).float() / 255
    return augment(ink, g), labels


def sample_only(n, g, classes, lists):
    """Validation batch of one style only (brush fonts, stroke renders): classes it has, one of its fonts."""
    labels = torch.tensor(classes)[torch.randint(len(classes), (n,), generator=g)]
    fonts = torch.tensor([pick(lists, k, g) for k in labels.tolist()])
    ink = glyphs_t[fonts, labels].unsqueeze(1).float() / 255
    return augment(ink, g), labels


# Fixed synthetic validation set: 2 per class on average, its own seed, the original 8 Kai fonts.
gv = torch.Generator().manual_seed(val_seed + 1)
val = [sample(500, gv, kai8_lists) for _ in range(22)]
val_brush = None
if brush_classes:
    gb = torch.Generator().manual_seed(val_seed + 2)
    val_brush = [sample_only(500, gb, brush_classes, brush_lists) for _ in range(22)]
val_stroke = None
if stroke_val_classes:
    gs = torch.Generator().manual_seed(val_seed + 3)
    val_stroke = [sample_only(500, gs, stroke_val_classes, stroke_val_lists) for _ in range(22)]


def init_from_onnx(path, batches):
    """Loads an exported model (ONNX, BatchNorm folded into the convolutions' weights and biases) into the
    network. Each BatchNorm is unfolded again with the statistics of the folded convolution's output on the
    given batches (gamma = std, beta = mean + folded bias, running stats = those), so the network computes
    exactly the exported function in eval mode and, in training mode, about the same on such batches."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(path).graph
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == 'Conv']
    blocks = [m for m in model.features if isinstance(m, torch.nn.Sequential)]
    assert len(convs) == len(blocks), f'{path}: {len(convs)} convolutions, the network has {len(blocks)}'
    for node, (conv, bn, _) in zip(convs, blocks):
        conv.weight.data.copy_(weights[node.input[1]])
        bn.weight.data.fill_(1)
        bn.bias.data.copy_(weights[node.input[2]])
        bn.running_mean.zero_()
        bn.running_var.fill_(1 - bn.eps)
    model.head[1].weight.data.copy_(weights['head.1.weight'])
    model.head[1].bias.data.copy_(weights['head.1.bias'])
    outputs = [[] for _ in blocks]
    hooks = [conv.register_forward_hook(lambda _m, _i, o, k=k: outputs[k].append(o.transpose(0, 1).flatten(1)))
             for k, (conv, _, _) in enumerate(blocks)]
    model.eval()
    with torch.no_grad():
        for x, _ in batches:
            model(x)
    for h in hooks:
        h.remove()
    for (conv, bn, _), out in zip(blocks, outputs):
        a = torch.cat(out, 1)
        mean, var = a.mean(1), a.var(1)
        bn.bias.data.add_(mean)
        bn.weight.data.copy_(torch.sqrt(var + bn.eps))
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
    model.train()


model = CharNet(len(chars))
init_sha = None
if args.init and args.init.endswith('.onnx'):
    init_from_onnx(args.init, [sample(256, torch.Generator().manual_seed(args.seed - 1)) for _ in range(4)])
if args.init:
    if not args.init.endswith('.onnx'):
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
    if val_stroke is not None:
        ls, ys = val_logits(val_stroke)
        out['synthetic_val_stroke'] = scores(ls, ys)
        logits, labels = torch.cat([logits, ls]), torch.cat([labels, ys])
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
        'stroke_share': args.stroke_share, 'stroke_variants': args.stroke_variants if args.stroke_share > 0 else 0,
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
