"""Builds the classifier's evaluation set: DIR/mm and DIR/hf, from material training never sees.

MM: pages in the held-out font (cwTeX Kai) from a different seed. HF: the held-out photographs, each
as itself, as a generated variant (crop, banner, old-photo look, album print...), and every other one
in grayscale, so black-and-white photos are measured too.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

import compose_photos
import dataset
import degrade
import sources


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--work", default="/tmp/archaive-classifier")
    ap.add_argument("--seed", type=int, default=777001)
    ap.add_argument("--pages", type=int, default=28)
    args = ap.parse_args()
    sources.check(args.work)
    for kind in ("mm", "hf"):
        os.makedirs(os.path.join(args.dir, kind), exist_ok=True)

    for i in range(args.pages):
        rng = np.random.default_rng([args.seed, i])
        page = dataset.example("mm", rng, args.work, "eval", small=False)
        page.save(os.path.join(args.dir, "mm", f"page-{i:02d}.jpg"), quality=90)

    kai = sources.KAI_FONTS["eval"]
    for i, photo in enumerate(sources.photos(args.work, "eval")):
        rng = np.random.default_rng([args.seed + 1, i])
        # Wallpapers are named by their folder (…/Path/contents/images/1920x1080.jpg).
        parts = photo.path.split(os.sep)
        stem = parts[-4] if "contents" in parts else os.path.splitext(parts[-1])[0]
        plain = compose_photos.load(photo).copy()
        plain.save(os.path.join(args.dir, "hf", f"{i:02d}-{stem}.jpg"), quality=90)
        if i % 2 == 0:
            degrade.to_grayscale(plain).save(os.path.join(args.dir, "hf", f"{i:02d}-{stem}-gray.jpg"), quality=90)
        variant = degrade.capture(compose_photos.photo(rng, [photo], kai, sources.SANS_FONTS, (360, 1000)), rng)
        variant.save(os.path.join(args.dir, "hf", f"{i:02d}-{stem}-variant.jpg"), quality=90)
    counts = {k: len(os.listdir(os.path.join(args.dir, k))) for k in ("mm", "hf")}
    print(f"wrote {counts['mm']} mm and {counts['hf']} hf images to {args.dir}")


if __name__ == "__main__":
    sys.exit(main())
