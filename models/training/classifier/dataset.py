"""One labelled example per (seed, index): the same call builds training data and the evaluation set."""
import numpy as np
from PIL import Image

import compose_photos
import degrade
import render_minutes
import sources


def example(kind: str, rng: np.random.Generator, work: str, split: str, small: bool) -> Image.Image:
    """A full-size image of one class; `small` renders smaller pages and photos (training only needs 128 px)."""
    if kind == "mm":
        img = render_minutes.page(rng, sources.KAI_FONTS[split], (300, 560) if small else (420, 900))
    else:
        kai = sources.KAI_FONTS[split]
        img = compose_photos.photo(rng, sources.photos(work, split), kai, sources.SANS_FONTS,
                                   (256, 600) if small else (360, 1000))
    return degrade.capture(img, rng)
