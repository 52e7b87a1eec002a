"""Trains the MM/HF artefact classifier on synthetic pages and real photographs, on the CPU, and exports
it to ONNX with a parity probe (inputs and torch outputs) that the TypeScript tests check.

Run through train.sh, which installs the Debian packages first. Deterministic for a given seed,
thread count and torch build.
"""
import argparse
import hashlib
import json
import os
import platform
import time
from multiprocessing import Pool

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

import dataset
import degrade
import sources
from model import INPUT_SIZE, LABELS, ArtefactNet, Exported

STORE = INPUT_SIZE + 8  # stored a little larger, for random crops


def _make(args: tuple) -> tuple[np.ndarray, int]:
    seed, i, work = args
    rng = np.random.default_rng([seed, i])
    label = i % 2
    img = dataset.example(LABELS[label], rng, work, "train", small=True)
    return degrade.to_input(img, rng, STORE), label


def build(seed: int, n: int, work: str, workers: int) -> tuple[np.ndarray, np.ndarray]:
    with Pool(workers) as pool:
        out = pool.map(_make, [(seed, i, work) for i in range(n)], chunksize=16)
    x = np.stack([o[0] for o in out])
    y = np.array([o[1] for o in out], dtype=np.int64)
    return x, y


def to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(0, 3, 1, 2).float().div_(255.0)


def augment(xb: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """Random 128-px crop of the stored 136-px image and a random horizontal flip."""
    out = np.empty((len(xb), INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    for k, im in enumerate(xb):
        ox, oy = rng.integers(0, STORE - INPUT_SIZE + 1, 2)
        c = im[oy:oy + INPUT_SIZE, ox:ox + INPUT_SIZE]
        out[k] = c[:, ::-1] if rng.random() < 0.5 else c
    return to_tensor(out)


def centre(x: np.ndarray) -> np.ndarray:
    o = (STORE - INPUT_SIZE) // 2
    return np.ascontiguousarray(x[:, o:o + INPUT_SIZE, o:o + INPUT_SIZE])


def evaluate(net: ArtefactNet, x: np.ndarray, y: np.ndarray) -> dict:
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(to_tensor(centre(x[i:i + 256]))).argmax(1) for i in range(0, len(x), 256)]).numpy()
    return {label: float((pred[y == k] == k).mean()) for k, label in enumerate(LABELS)} | {"all": float((pred == y).mean())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/archaive-classifier")
    ap.add_argument("--seed", type=int, default=20250801)
    ap.add_argument("--n", type=int, default=6000, help="training images, half per class")
    ap.add_argument("--val", type=int, default=400, help="held-out synthetic images for a sanity figure")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(sources.REPO, "models/classifier"))
    args = ap.parse_args()
    sources.check(args.work)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)

    t0 = time.time()
    x, y = build(args.seed, args.n, args.work, args.threads)
    xv, yv = build(args.seed + 1, args.val, args.work, args.threads)
    t_data = time.time() - t0
    print(f"data: {len(x)} train + {len(xv)} val images in {t_data:.0f} s", flush=True)

    net = ArtefactNet()
    batch = 64
    steps = args.epochs * (len(x) // batch)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    t1 = time.time()
    for epoch in range(args.epochs):
        net.train()
        order = rng.permutation(len(x))
        total = 0.0
        for b in range(len(x) // batch):
            idx = np.sort(order[b * batch:(b + 1) * batch])
            loss = F.cross_entropy(net(augment(x[idx], rng)), torch.from_numpy(y[idx]), label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        print(f"epoch {epoch + 1}/{args.epochs} loss {total / (len(x) // batch):.4f} val {evaluate(net, xv, yv)} "
              f"{time.time() - t1:.0f} s", flush=True)
    t_train = time.time() - t1
    val = evaluate(net, xv, yv)

    net.eval()
    exported = Exported(net).eval()
    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "artefact-classifier.onnx")
    torch.onnx.export(exported, torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE), onnx_path, input_names=["image"],
                      output_names=["probs"], dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}}, opset_version=13)
    sha = hashlib.sha256(open(onnx_path, "rb").read()).hexdigest()

    # Parity probe: a few validation inputs as lossless PNGs and what torch said about them.
    probe_dir = os.path.join(args.out, "parity")
    os.makedirs(probe_dir, exist_ok=True)
    picks = [int(i) for k in range(2) for i in np.flatnonzero(yv == k)[:2]]
    xc = centre(xv[picks])
    with torch.no_grad():
        probs = exported(to_tensor(xc)).numpy()
    probe = []
    for j, (i, p) in enumerate(zip(picks, probs)):
        name = f"probe-{j}-{LABELS[yv[i]]}.png"
        Image.fromarray(xc[j]).save(os.path.join(probe_dir, name))
        probe.append({"file": name, "probs": [float(v) for v in p]})

    report = {
        "model": "artefact-classifier.onnx", "sha256": sha, "labels": list(LABELS), "input": [1, 3, INPUT_SIZE, INPUT_SIZE],
        "seed": args.seed, "train_images": len(x), "val_images": len(xv), "epochs": args.epochs, "threads": args.threads,
        "data_seconds": round(t_data), "train_seconds": round(t_train), "synthetic_val_accuracy": val,
        "torch": torch.__version__, "python": platform.python_version(), "probe": probe,
    }
    with open(os.path.join(args.out, "training-report.json"), "w") as fh:
        json.dump(report, fh, indent=2)
        fh.write("\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
