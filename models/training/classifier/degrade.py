"""Camera and scanner degradations shared by both classes, so that they never tell the classes apart."""
import io

import numpy as np
from PIL import Image, ImageFilter

RESAMPLERS = [Image.BILINEAR, Image.BICUBIC, Image.LANCZOS, Image.BOX, Image.HAMMING]


def jpeg(img: Image.Image, rng: np.random.Generator, lo: int = 30, hi: int = 95) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(rng.integers(lo, hi + 1)))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def blur(img: Image.Image, rng: np.random.Generator, max_sigma: float) -> Image.Image:
    sigma = float(rng.uniform(0, max_sigma))
    return img.filter(ImageFilter.GaussianBlur(sigma)) if sigma > 0.2 else img


def noise(img: Image.Image, rng: np.random.Generator, max_std: float) -> Image.Image:
    a = np.asarray(img, dtype=np.float32)
    std = float(rng.uniform(0, max_std))
    if rng.random() < 0.5:  # luminance grain
        a = a + rng.normal(0, std, a.shape[:2])[..., None]
    else:  # colour sensor noise
        a = a + rng.normal(0, std, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def tone(img: Image.Image, rng: np.random.Generator, strength: float = 1.0) -> Image.Image:
    """Brightness, contrast, gamma and a slight colour cast."""
    a = np.asarray(img, dtype=np.float32) / 255.0
    gamma = float(np.exp(rng.uniform(-0.35, 0.35) * strength))
    a = np.power(np.clip(a, 0, 1), gamma)
    contrast = 1 + rng.uniform(-0.3, 0.25) * strength
    bright = rng.uniform(-0.1, 0.1) * strength
    cast = 1 + rng.uniform(-0.04, 0.04, 3) * strength
    a = ((a - 0.5) * contrast + 0.5 + bright) * cast
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8))


def low_resolution(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Down- and up-sampling, as in small web copies of scans (the sample page is 428 px wide)."""
    w, h = img.size
    f = float(rng.uniform(0.25, 0.7))
    small = img.resize((max(32, int(w * f)), max(32, int(h * f))), RESAMPLERS[rng.integers(len(RESAMPLERS))])
    return small.resize((w, h), Image.BICUBIC)


def to_grayscale(img: Image.Image) -> Image.Image:
    return img.convert("L").convert("RGB")


def sepia(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    g = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    tint = np.array([1.0, rng.uniform(0.82, 0.92), rng.uniform(0.6, 0.78)], dtype=np.float32)
    a = g[..., None] * tint * 255 * rng.uniform(0.9, 1.05) + rng.uniform(0, 20)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def rotate(img: Image.Image, rng: np.random.Generator, max_deg: float, fill: tuple) -> Image.Image:
    deg = float(rng.uniform(-max_deg, max_deg))
    return img.rotate(deg, resample=Image.BICUBIC, expand=True, fillcolor=fill) if abs(deg) > 0.1 else img


def perspective(img: Image.Image, rng: np.random.Generator, amount: float, fill: tuple) -> Image.Image:
    """A page or print photographed slightly off-axis."""
    w, h = img.size
    d = amount * min(w, h)
    src = [(rng.uniform(-d, d), rng.uniform(-d, d)), (w + rng.uniform(-d, d), rng.uniform(-d, d)),
           (w + rng.uniform(-d, d), h + rng.uniform(-d, d)), (rng.uniform(-d, d), h + rng.uniform(-d, d))]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=fill)


def _perspective_coeffs(dst, src):
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64)).tolist()


def uneven_light(img: Image.Image, rng: np.random.Generator, amount: float) -> Image.Image:
    """A smooth brightness gradient, as from a lamp or a phone camera."""
    w, h = img.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(-0.5, 1.5) * w, rng.uniform(-0.5, 1.5) * h
    dist = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(w, h)
    light = 1 - amount * np.clip(dist, 0, 1.5) / 1.5
    a = np.asarray(img, dtype=np.float32) * light[..., None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def capture(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The capture steps every image goes through: blur, sensor noise, low resolution, compression."""
    if rng.random() < 0.5:
        img = blur(img, rng, 1.2)
    if rng.random() < 0.4:
        img = noise(img, rng, 8)
    if rng.random() < 0.25:
        img = low_resolution(img, rng)
    if rng.random() < 0.7:
        img = jpeg(img, rng)
    return img


def to_input(img: Image.Image, rng: np.random.Generator, size: int) -> np.ndarray:
    """Squash to the model's square input with a random resampling filter (the runtime uses sharp's lanczos3)."""
    return np.asarray(img.resize((size, size), RESAMPLERS[rng.integers(len(RESAMPLERS))]), dtype=np.uint8)
