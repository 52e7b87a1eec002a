"""Synthetic meeting-minutes pages (MM): Traditional Chinese in Kai type on aged paper, mostly in vertical
columns read right to left, as in the Chamber's minute books; some printed pages and horizontal typescript."""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from scipy.ndimage import gaussian_filter, map_coordinates

import degrade

# Big5 level 1: the 5,401 frequently used characters (lead bytes A4..C6, up to C67E).
BIG5_COMMON = [
    bytes([hi, lo]).decode("big5")
    for hi in range(0xA4, 0xC7)
    for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    if not (hi == 0xC6 and lo > 0x7E)
]
PUNCT = "，。、；：「」（）"
DIGITS = "〇一二三四五六七八九十"

_font_cache: dict = {}


def font(spec, size: int) -> ImageFont.FreeTypeFont:
    key = (spec, size)
    if key not in _font_cache:
        if len(_font_cache) > 64:  # sizes differ from page to page; keep memory bounded
            _font_cache.clear()
        _font_cache[key] = ImageFont.truetype(spec[0], size, index=spec[1])
    return _font_cache[key]


def random_text(rng: np.random.Generator, n: int, punct: float = 0.0) -> str:
    # A skewed draw: Big5 level 1 is ordered by stroke count, not frequency, so any region is plausible.
    chars = [BIG5_COMMON[i] for i in rng.integers(0, len(BIG5_COMMON), n)]
    if punct > 0:
        chars = [PUNCT[rng.integers(len(PUNCT))] if rng.random() < punct else c for c in chars]
    return "".join(chars)


def smooth_field(rng: np.random.Generator, w: int, h: int, cell: int, sigma: float = 1.0) -> np.ndarray:
    """Smooth noise in [-1, 1] at full size, computed on a coarse grid (cheap)."""
    low = gaussian_filter(rng.normal(0, 1, (h // cell + 2, w // cell + 2)), sigma).astype(np.float32)
    low /= np.abs(low).max() + 1e-6
    return np.asarray(Image.fromarray(low).resize((w, h), Image.BICUBIC))


def _coarse(f, w: int, h: int, k: int = 4) -> np.ndarray:
    """Evaluates f(xx, yy) on a k-times coarser grid and upsamples: stains and spots are smooth."""
    cw, ch = w // k + 1, h // k + 1
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32) * k
    return np.asarray(Image.fromarray(f(xx, yy).astype(np.float32)).resize((w, h), Image.BILINEAR))


def paper(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Aged paper: a base tone, blotchy low-frequency variation, fibres, stains, foxing, darker edges."""
    kind = rng.choice(["yellowed", "yellowed", "brown", "grey", "white"])
    if kind == "yellowed":
        r = rng.uniform(205, 245); g = r - rng.uniform(4, 20); base = [r, g, g - rng.uniform(15, 50)]
    elif kind == "brown":
        r = rng.uniform(165, 215); g = r - rng.uniform(10, 25); base = [r, g, g - rng.uniform(20, 45)]
    elif kind == "grey":
        v = rng.uniform(165, 225); base = [v + rng.uniform(0, 6), v, v - rng.uniform(0, 10)]
    else:
        v = rng.uniform(228, 252); g = v - rng.uniform(0, 5); base = [v, g, g - rng.uniform(0, 15)]
    a = np.empty((h, w, 3), np.float32)
    a[:] = base
    a += (smooth_field(rng, w, h, 16, 1.5) * rng.uniform(3, 18))[..., None]
    a += rng.normal(0, rng.uniform(1, 6), (h, w)).astype(np.float32)[..., None]
    if rng.random() < 0.5:  # fibres: short horizontal-ish streaks
        fib = np.asarray(Image.fromarray(rng.normal(0, 1, (h // 2, w // 2)).astype(np.float32)).resize((w, h), Image.BILINEAR))
        fib = gaussian_filter(fib, (0.5, rng.uniform(2, 5)))
        a += (fib * rng.uniform(4, 14))[..., None]
    dark = np.zeros((h, w), np.float32)
    for _ in range(rng.integers(0, 5)):  # water and tea stains, some with a darker rim
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(0.04, 0.3) * w, rng.uniform(0.04, 0.3) * h
        body_k, rim_k = rng.uniform(0.05, 0.25), rng.uniform(0, 0.25)

        def stain(xx, yy):
            d = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
            return np.clip(1 - d, 0, 1) ** 0.5 * body_k + np.exp(-((d - 1) ** 2) / 0.01) * rim_k
        dark += _coarse(stain, w, h)
    if rng.random() < 0.4:  # foxing: small brown spots
        spots = np.zeros((h // 2 + 1, w // 2 + 1), np.float32)
        n = int(rng.integers(5, 60))
        spots[rng.integers(0, h // 2, n), rng.integers(0, w // 2, n)] = rng.uniform(2, 10, n)
        dark += np.asarray(Image.fromarray(gaussian_filter(spots, rng.uniform(0.7, 2))).resize((w, h), Image.BILINEAR))
    a *= (1 - np.clip(dark, 0, 0.6)[..., None] * np.array([0.6, 0.8, 1.1], np.float32))
    edge_k = rng.uniform(0, 0.15)  # edges darkened by handling, fading smoothly inwards
    a *= (1 - _coarse(lambda xx, yy: edge_k * np.clip(1 - np.minimum(np.minimum(xx, w - xx), np.minimum(yy, h - yy)) / (0.1 * min(w, h)), 0, 1) ** 2, w, h))[..., None]
    return np.clip(a, 0, 255)


def _glyph(ch: str, spec, size: int, rng: np.random.Generator, jitter: float, scale: float = 1.0) -> Image.Image:
    """One character; handwriting-like jitter (tilt, stretch) and size changes are applied to the
    rendered glyph, so a page needs only a few font sizes (each size is a FreeType face kept in memory)."""
    f = font(spec, size)
    g = Image.new("L", (int(size * 1.5), int(size * 1.5)), 0)
    ImageDraw.Draw(g).text((size * 0.75, size * 0.75), ch, fill=255, font=f, anchor="mm")
    if jitter > 0:
        g = g.rotate(float(rng.normal(0, 4 * jitter)), resample=Image.BILINEAR)
    sx = scale * (1 + rng.normal(0, 0.08 * jitter))
    sy = scale * (1 + rng.normal(0, 0.1 * jitter))
    if abs(sx - 1) > 0.02 or abs(sy - 1) > 0.02:
        g = g.resize((max(4, int(g.width * sx)), max(4, int(g.height * sy))), Image.BILINEAR)
    return g


def _paste(mask: Image.Image, g: Image.Image, cx: float, cy: float) -> None:
    mask.paste(255, (int(cx - g.width / 2), int(cy - g.height / 2)), g)


def vertical_text(mask, rng, spec, box, handwritten: bool, lines: ImageDraw.ImageDraw | None) -> None:
    """Columns top to bottom, right to left, as in the minute books; optional ruled column lines."""
    x0, y0, x1, y1 = box
    cols = int(rng.integers(6, 22))
    pitch = (x1 - x0) / cols
    size = int(pitch * rng.uniform(0.55, 0.85))
    step = size * rng.uniform(1.0, 1.25)
    jitter = rng.uniform(0.6, 1.6) if handwritten else 0.0
    if lines is not None:
        for i in range(cols + 1):
            lines.line([(x1 - i * pitch, y0 - size * 0.3), (x1 - i * pitch, y1)], fill=255, width=max(1, size // 18))
    title = rng.random() < 0.4
    for c in range(cols):
        cx = x1 - (c + 0.5) * pitch
        csize = int(size * 1.25) if (title and c == 0) else size
        y = y0 + csize * 0.6 + (rng.uniform(0, 3) * csize if (title and c == 0) or rng.random() < 0.15 else 0)
        end = y1 if rng.random() < 0.75 else y0 + (y1 - y0) * rng.uniform(0.2, 0.9)
        wander = 0.0
        while y < end - csize * 0.5:
            if handwritten and rng.random() < 0.04:  # a small two-column note squeezed in
                for k in range(int(rng.integers(2, 8))):
                    for dx in (-0.22, 0.22):
                        g = _glyph(random_text(rng, 1), spec, int(csize * 0.45), rng, jitter)
                        _paste(mask, g, cx + dx * pitch, y)
                    y += csize * 0.5
                continue
            scale = 1 + rng.normal(0, 0.08 * jitter)
            wander += rng.normal(0, 0.03 * jitter * csize)
            wander *= 0.9
            g = _glyph(random_text(rng, 1, punct=0.0 if handwritten else 0.04), spec, max(8, csize), rng, jitter, scale)
            _paste(mask, g, cx + wander, y)
            y += step * (1 + rng.normal(0, 0.1 * jitter)) * scale


def horizontal_text(mask, rng, spec, box) -> None:
    """Typed or printed minutes of later years: rows left to right, a centred heading, some numbering."""
    x0, y0, x1, y1 = box
    size = int((x1 - x0) / rng.uniform(18, 40))
    f = font(spec, size)
    d = ImageDraw.Draw(mask)
    y = y0
    if rng.random() < 0.7:
        hs = int(size * 1.4)
        head = random_text(rng, int(rng.integers(4, 12)))
        d.text(((x0 + x1) / 2, y + hs / 2), head, fill=255, font=font(spec, hs), anchor="mm")
        y += hs * 2
    per_line = int((x1 - x0) / size)
    while y < y1 - size:
        indent = 2 if rng.random() < 0.2 else 0
        n = per_line - indent if rng.random() < 0.85 else int(rng.integers(2, per_line))
        text = random_text(rng, n, punct=0.06)
        if rng.random() < 0.15:
            text = DIGITS[rng.integers(1, 10)] + "、" + text[2:]
        d.text((x0 + indent * size, y), text, fill=255, font=f)
        y += size * rng.uniform(1.3, 1.9) * (2 if rng.random() < 0.08 else 1)


def seal(a: np.ndarray, rng: np.random.Generator, spec) -> None:
    """A red seal impression, common on minutes."""
    h, w = a.shape[:2]
    s = int(min(w, h) * rng.uniform(0.06, 0.14))
    m = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(m)
    if rng.random() < 0.5:
        d.rectangle([1, 1, s - 2, s - 2], outline=255, width=max(2, s // 12))
    else:
        d.ellipse([1, 1, s - 2, s - 2], outline=255, width=max(2, s // 12))
    f = font(spec, s // 3)
    for i in range(4):
        d.text((s * (0.33 + 0.34 * (i // 2)), s * (0.33 + 0.34 * (i % 2))), random_text(rng, 1), fill=255, font=f, anchor="mm")
    alpha = np.asarray(m, np.float32) / 255 * rng.uniform(0.4, 0.85)
    alpha *= rng.uniform(0.5, 1.0, alpha.shape) > 0.2  # patchy ink
    x, y = int(rng.uniform(0, w - s)), int(rng.uniform(0, h - s))
    red = np.array([rng.uniform(150, 210), rng.uniform(20, 60), rng.uniform(30, 60)], np.float32)
    region = a[y:y + s, x:x + s]
    region[:] = region * (1 - alpha[..., None]) + red * alpha[..., None]


def elastic(mask: np.ndarray, rng: np.random.Generator, amount: float) -> np.ndarray:
    """Smooth random displacement: a wobble like handwriting on a page that is not quite flat."""
    h, w = mask.shape
    dx = smooth_field(rng, w, h, 24) * amount * 4
    dy = smooth_field(rng, w, h, 24) * amount * 4
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return map_coordinates(mask, [yy + dy, xx + dx], order=1, mode="constant")


def page(rng: np.random.Generator, fonts: list, width: tuple = (420, 820)) -> Image.Image:
    """One synthetic page (or a double-page spread) with its scanning or photographing."""
    spec = fonts[rng.integers(len(fonts))]
    w = int(rng.uniform(*width))
    h = int(w * rng.uniform(0.75, 1.5))
    spread = rng.random() < 0.12
    if spread:
        w = int(w * 1.8)
    a = paper(rng, w, h)
    mask = Image.new("L", (w, h), 0)
    rules = Image.new("L", (w, h), 0)
    layout = rng.choice(["handwritten", "handwritten", "handwritten", "handwritten", "printed", "horizontal"])
    ruled = rng.random() < 0.35
    halves = [(0, w // 2), (w // 2, w)] if spread else [(0, w)]
    for hx0, hx1 in halves:
        pw = hx1 - hx0
        mx, my = rng.uniform(0.04, 0.14) * pw, rng.uniform(0.04, 0.12) * h
        box = (hx0 + mx, my, hx1 - mx, h - my)
        if layout == "horizontal":
            horizontal_text(mask, rng, spec, box)
        else:
            lines = ImageDraw.Draw(rules) if ruled else None
            if lines is not None:
                lines.rectangle([box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4], outline=255, width=max(2, int(pw / 200)))
            vertical_text(mask, rng, spec, box, layout == "handwritten", lines)
        if rng.random() < 0.3:  # page number in a corner
            ImageDraw.Draw(mask).text((hx0 + mx * 0.4, my * 0.3), str(rng.integers(1, 300)), fill=255, font=font(spec, max(10, int(h / 40))))
    m = np.asarray(mask, np.float32) / 255
    if layout == "handwritten":
        m = elastic(m, rng, rng.uniform(0.3, 1.0))
    # Brush weight: thicker or thinner strokes, a little bleed.
    img = Image.fromarray((m * 255).astype(np.uint8))
    if rng.random() < 0.3:  # heavier brush (an erosion would wipe out small thin glyphs)
        img = img.filter(ImageFilter.MaxFilter(3))
    m = np.asarray(img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0))), np.float32) / 255
    strength = rng.uniform(0.55, 1.0) * (1 - rng.uniform(0, 0.35) * (smooth_field(rng, w, h, 3) * 0.5 + 0.5))
    m = np.clip(m * 1.4, 0, 1) * strength
    if rng.random() < 0.25:  # bleed-through from the other side of the leaf
        ghost = np.asarray(mask, np.float32)[:, ::-1] / 255
        ghost = np.asarray(Image.fromarray((ghost * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5)), np.float32) / 255
        a *= (1 - ghost * rng.uniform(0.05, 0.18))[..., None]
    if ruled:
        r = np.asarray(rules.filter(ImageFilter.GaussianBlur(0.6)), np.float32) / 255 * rng.uniform(0.4, 0.9)
        colour = np.array([190, 40, 40], np.float32) if rng.random() < 0.6 else np.array([60, 50, 40], np.float32)
        a = a * (1 - r[..., None]) + colour * r[..., None]
    ink = np.array([rng.uniform(10, 60), rng.uniform(8, 50), rng.uniform(5, 40)], np.float32)
    if rng.random() < 0.1:  # faded brown iron-gall-like ink
        ink = np.array([rng.uniform(80, 120), rng.uniform(55, 80), rng.uniform(30, 55)], np.float32)
    a = a * (1 - m[..., None]) + ink * m[..., None]
    if rng.random() < 0.15:
        seal(a, rng, spec)
    if spread or rng.random() < 0.2:  # binding gutter shadow
        gx = w // 2 if spread else (0 if rng.random() < 0.5 else w)
        xx = np.arange(w, dtype=np.float32)
        shade = np.exp(-((xx - gx) ** 2) / (2 * (rng.uniform(0.01, 0.05) * w) ** 2)) * rng.uniform(0.2, 0.6)
        a *= (1 - shade)[None, :, None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    return scan(img, rng)


def scan(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Scanner bed or table around the page, skew, camera perspective, tone, grey or bitonal scans."""
    level = rng.uniform(0, 70) if rng.random() < 0.5 else rng.uniform(170, 255)
    bg = tuple(int(np.clip(level + d, 0, 255)) for d in rng.uniform(-12, 12, 3))
    if rng.random() < 0.35:
        w, h = img.size
        bw, bh = int(w * rng.uniform(0.02, 0.12)), int(h * rng.uniform(0.02, 0.12))
        canvas = Image.new("RGB", (w + 2 * bw, h + 2 * bh), bg)
        canvas.paste(img, (int(rng.uniform(0, 2 * bw)), int(rng.uniform(0, 2 * bh))))
        img = canvas
    img = degrade.rotate(img, rng, 3.0, bg)
    if rng.random() < 0.12:
        img = degrade.perspective(img, rng, 0.06, bg)
        img = degrade.uneven_light(img, rng, rng.uniform(0.1, 0.4))
    img = degrade.tone(img, rng, 0.7)
    roll = rng.random()
    if roll < 0.15:
        img = degrade.to_grayscale(img)
    elif roll < 0.22:  # bitonal microfilm-style scan
        g = np.asarray(img.convert("L"), np.float32)
        img = Image.fromarray(((g > np.percentile(g, rng.uniform(8, 30))) * 255).astype(np.uint8)).convert("RGB")
    return img
