"""Writes test/ocr/fixtures/ccr-parity.json: a few synthetic cells and what the trained network (torch)
gives for them, so the tests can check that onnxruntime-node computes the same from the exported file.
Usage: /usr/bin/python3 parity_fixture.py [--work /tmp/archaive-ccr]"""
import argparse
import json
import os

import numpy as np
import torch

from augment import augment
from glyphs import big5_level1
from model import CharNet

p = argparse.ArgumentParser()
p.add_argument('--work', default='/tmp/archaive-ccr')
p.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'test', 'ocr', 'fixtures',
                                             'ccr-parity.json'))
args = p.parse_args()

torch.set_num_threads(1)
chars = big5_level1()
model = CharNet(len(chars))
model.load_state_dict(torch.load(os.path.join(args.work, 'ccr.pt')))
model.eval()
glyphs = np.load(os.path.join(args.work, 'glyphs48.npz'))['glyphs']
g = torch.Generator().manual_seed(99)
labels = [chars.index(c) for c in '議舉說勸商曰日會']
ink = torch.from_numpy(glyphs[[k % glyphs.shape[0] for k in range(len(labels))], labels]).unsqueeze(1).float() / 255
# Values rounded as JSON keeps them, so both sides read the very same input.
cells = torch.round(augment(ink, g, neighbours=False) * 10000) / 10000
with torch.no_grad():
    logits = model(cells)
top = logits.topk(5, 1)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, 'w') as f:
    json.dump({
        'labels': [chars[k] for k in labels],
        'cells': [[round(float(v), 4) for v in c.flatten()] for c in cells],
        'top5': [[chars[k] for k in row] for row in top.indices.tolist()],
        'top5Logits': [[round(v, 5) for v in row] for row in top.values.tolist()],
    }, f)
print(f'wrote {args.out}')
