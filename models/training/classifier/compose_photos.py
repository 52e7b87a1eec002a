"""Event-photo-like images (HF) from real photographs: crops, colour changes, old-photo looks, banners
with Chinese text (event photos often show one), crude group and stage scenes, and prints on album pages."""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

import degrade
from render_minutes import BIG5_COMMON, font, paper, random_text
from sources import LATIN_FONT, Photo

_cache: dict = {}


def load(photo: Photo) -> Image.Image:
    """Decoded once per process, at most 1024 px on the long side."""
    if photo.path not in _cache:
        im = Image.open(photo.path).convert("RGB")
        im.thumbnail((1024, 1024), Image.LANCZOS)
        _cache[photo.path] = im
    return _cache[photo.path]


def crop(im: Image.Image, rng: np.random.Generator, min_area: float = 0.3) -> Image.Image:
    w, h = im.size
    area = rng.uniform(min_area, 1.0) * w * h
    aspect = np.exp(rng.uniform(np.log(0.6), np.log(1.8)))
    cw = int(min(w, np.sqrt(area * aspect)))
    ch = int(min(h, np.sqrt(area / aspect)))
    x, y = int(rng.uniform(0, w - cw + 1)), int(rng.uniform(0, h - ch + 1))
    return im.crop((x, y, x + cw, y + ch))


def colour(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    a = np.asarray(im, np.float32)
    grey = a.mean(axis=2, keepdims=True)
    a = grey + (a - grey) * rng.uniform(0.5, 1.5)  # saturation
    return degrade.tone(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), rng)


def banner(im: Image.Image, rng: np.random.Generator, kai_fonts: list, sans_fonts: list) -> Image.Image:
    """A banner with large Chinese (and sometimes English) text, like those behind stages and group photos."""
    im = im.copy()
    w, h = im.size
    bw = int(w * rng.uniform(0.4, 1.0))
    bh = int(h * (rng.uniform(0.1, 0.3) if rng.random() < 0.7 else rng.uniform(0.3, 0.55)))
    x = int(rng.uniform(0, w - bw + 1))
    y = int(rng.uniform(0, 0.4) * (h - bh))
    style = rng.choice(["red", "blue", "light", "dark"], p=[0.3, 0.15, 0.4, 0.15])
    bg = {"red": (int(rng.uniform(150, 220)), int(rng.uniform(0, 40)), int(rng.uniform(0, 40))),
          "blue": (int(rng.uniform(0, 40)), int(rng.uniform(40, 90)), int(rng.uniform(120, 200))),
          "light": tuple(int(v) for v in rng.uniform(215, 255, 3)),
          "dark": tuple(int(v) for v in rng.uniform(10, 60, 3))}[style]
    fg = [(255, 230, 90), (255, 255, 255)] if style in ("red", "blue", "dark") else \
        [(200, 30, 30), (20, 60, 160), (20, 140, 120), (230, 120, 20), (40, 40, 40)]
    b = Image.new("RGB", (bw, bh), bg)
    d = ImageDraw.Draw(b)
    spec = sans_fonts[rng.integers(len(sans_fonts))] if rng.random() < 0.7 else kai_fonts[rng.integers(len(kai_fonts))]
    lines = 1 if rng.random() < 0.5 else 2
    english = rng.random() < 0.4
    rows = lines + (1 if english else 0)
    size = int(bh / rows * rng.uniform(0.55, 0.85))
    n = max(3, min(16, int(bw / size * rng.uniform(0.5, 0.95))))
    for i in range(lines):
        text = random_text(rng, n)
        d.text((bw / 2, bh * (i + 0.5) / rows), text, fill=fg[rng.integers(len(fg))], font=font(spec, size), anchor="mm")
    if english:
        words = "Welcome Annual General Meeting Chamber Commerce Forum Dinner Convention Chinese Business Association".split()
        text = " ".join(words[rng.integers(len(words))] for _ in range(int(rng.integers(3, 7))))
        d.text((bw / 2, bh * (rows - 0.5) / rows), text, fill=fg[0], font=font(LATIN_FONT, max(8, int(size * 0.5))), anchor="mm")
    for _ in range(rng.integers(0, 4)):  # sponsor logos
        r = int(bh * rng.uniform(0.1, 0.25))
        cx, cy = int(rng.uniform(r, bw - r)), int(rng.uniform(r, bh - r))
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.uniform(0, 255, 3)))
    im.paste(b, (x, y))
    return im


def group_scene(rng: np.random.Generator, people: list, backgrounds: list, kai_fonts: list, sans_fonts: list) -> Image.Image:
    """A crude formal group photo: rows of figures cut from photos of people, a banner behind them."""
    w = int(rng.uniform(500, 900))
    h = int(w * rng.uniform(0.55, 0.85))
    bg = crop(load(backgrounds[rng.integers(len(backgrounds))]), rng).resize((w, h))
    im = banner(bg, rng, kai_fonts, sans_fonts) if rng.random() < 0.8 else bg
    rows = int(rng.integers(1, 4))
    top = h * rng.uniform(0.3, 0.5)
    for r in range(rows):
        row_h = int((h - top) / rows * rng.uniform(1.2, 1.6))
        y = int(top + r * (h - top) / rows - row_h * 0.15)
        x = -int(rng.uniform(0, row_h * 0.3))
        while x < w:
            src = load(people[rng.integers(len(people))])
            sw, sh = src.size
            fw = int(sw * rng.uniform(0.12, 0.35))
            sx = int(rng.uniform(0, sw - fw))
            fig = src.crop((sx, 0, sx + fw, int(sh * rng.uniform(0.6, 1.0))))
            fig = fig.resize((max(4, int(fig.width * row_h / fig.height)), row_h))
            im.paste(fig, (x, y))
            x += int(fig.width * rng.uniform(0.7, 1.0))
    return im


def stage_scene(rng: np.random.Generator, people: list, kai_fonts: list, sans_fonts: list) -> Image.Image:
    """A forum or ceremony stage: a large backdrop with big titles in several sizes and colours
    (often on a light ground), sponsor logos, stage lights above, and a row of people below."""
    w = int(rng.uniform(500, 900))
    h = int(w * rng.uniform(0.6, 0.85))
    light = rng.random() < 0.6
    ground = tuple(int(v) for v in (rng.uniform(200, 250, 3) if light else rng.uniform(0, 200, 3)))
    im = Image.new("RGB", (w, h), ground)
    d = ImageDraw.Draw(im)
    if rng.random() < 0.5:  # dark ceiling with lights
        top = int(h * rng.uniform(0.05, 0.2))
        d.rectangle([0, 0, w, top], fill=tuple(int(v) for v in rng.uniform(0, 40, 3)))
        for _ in range(rng.integers(2, 8)):
            x, r = rng.uniform(0, w), rng.uniform(3, 10)
            d.ellipse([x - r, top * 0.4 - r, x + r, top * 0.4 + r], fill=(255, 250, 230))
    floor = int(h * rng.uniform(0.55, 0.75))
    palette = [(200, 30, 30), (20, 60, 160), (20, 140, 120), (230, 120, 20), (40, 40, 40), (120, 40, 140)] if light else \
        [(255, 255, 255), (255, 230, 90), (240, 240, 200)]
    y = h * rng.uniform(0.12, 0.25)
    for line in range(int(rng.integers(1, 4))):
        size = int(h * (rng.uniform(0.1, 0.2) if line == 0 else rng.uniform(0.04, 0.08)))
        spec = sans_fonts[rng.integers(len(sans_fonts))] if rng.random() < 0.7 else kai_fonts[rng.integers(len(kai_fonts))]
        n = max(2, min(12, int(w * rng.uniform(0.3, 0.8) / size)))
        x = w * rng.uniform(0.05, 0.3)
        per_char = rng.random() < 0.5
        colour = palette[rng.integers(len(palette))]
        for ch in random_text(rng, n):
            d.text((x, y), ch, fill=palette[rng.integers(len(palette))] if per_char else colour, font=font(spec, size))
            x += size * rng.uniform(1.0, 1.15)
        y += size * rng.uniform(1.3, 1.7)
        if y > floor - size:
            break
    for _ in range(rng.integers(0, 5)):  # logos
        r = int(h * rng.uniform(0.02, 0.05))
        cx, cy = int(rng.uniform(r, w - r)), int(rng.uniform(r, h * 0.25))
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=tuple(int(v) for v in rng.uniform(0, 255, 3)))
    d.rectangle([0, floor, w, h], fill=tuple(int(v) for v in rng.uniform(20, 120, 3)))
    row_h = int(min((h - floor) * rng.uniform(1.3, 2.0), h * 0.55))
    x = int(rng.uniform(0, w * 0.1))
    while x < w:
        src = load(people[rng.integers(len(people))])
        sw, sh = src.size
        fw = int(sw * rng.uniform(0.15, 0.35))
        sx = int(rng.uniform(0, sw - fw))
        fig = src.crop((sx, int(sh * rng.uniform(0, 0.2)), sx + fw, sh))
        fig = fig.resize((max(4, int(fig.width * row_h / fig.height)), row_h))
        if rng.random() < 0.5:  # formal events: dark suits, muted colours
            f = np.asarray(fig, np.float32)
            grey = f.mean(axis=2, keepdims=True)
            fig = Image.fromarray(np.clip((grey + (f - grey) * rng.uniform(0.2, 0.7)) * rng.uniform(0.4, 0.8), 0, 255).astype(np.uint8))
        im.paste(fig, (x, h - row_h + int(rng.uniform(0, row_h * 0.1))))
        x += int(fig.width * rng.uniform(1.0, 1.6))
    return im


def album_print(photo: Image.Image, rng: np.random.Generator, kai_fonts: list) -> Image.Image:
    """A photographic print with a white border, mounted on an album page, sometimes with a caption."""
    pw, ph = photo.size
    border = int(min(pw, ph) * rng.uniform(0.02, 0.06))
    printed = Image.new("RGB", (pw + 2 * border, ph + 2 * border), tuple(int(v) for v in rng.uniform(220, 250, 3)))
    printed.paste(photo, (border, border))
    mx, my = int(pw * rng.uniform(0.05, 0.25)), int(ph * rng.uniform(0.05, 0.3))
    W, H = printed.width + 2 * mx, printed.height + 2 * my
    page = Image.fromarray(paper(rng, W, H).astype(np.uint8))
    page.paste(printed, (mx, my))
    if rng.random() < 0.5:
        spec = kai_fonts[rng.integers(len(kai_fonts))]
        size = max(10, int(my * 0.35))
        ImageDraw.Draw(page).text((W / 2, my + printed.height + my / 2), random_text(rng, int(rng.integers(4, 14))),
                                  fill=(40, 35, 30), font=font(spec, size), anchor="mm")
    return page


def old_photo(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Black-and-white or sepia prints: grain, fading, dust and scratches."""
    im = degrade.to_grayscale(im) if rng.random() < 0.6 else degrade.sepia(im, rng)
    a = np.asarray(im, np.float32)
    fade = rng.uniform(0, 0.35)
    a = a * (1 - fade) + 235 * fade
    a += rng.normal(0, rng.uniform(2, 10), a.shape[:2])[..., None]
    h, w = a.shape[:2]
    for _ in range(rng.integers(0, 30)):  # dust
        y, x = int(rng.uniform(0, h)), int(rng.uniform(0, w))
        a[y:y + 2, x:x + 2] = rng.choice([20.0, 240.0])
    for _ in range(rng.integers(0, 4)):  # scratches
        x = int(rng.uniform(0, w))
        a[:, x:x + 1] = np.clip(a[:, x:x + 1] + rng.uniform(-40, 40), 0, 255)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def photo(rng: np.random.Generator, pool: list, kai_fonts: list, sans_fonts: list, long_side: tuple = (320, 900)) -> Image.Image:
    people = [p for p in pool if p.people]
    roll = rng.random()
    if roll < 0.2 and people:
        im = group_scene(rng, people, pool, kai_fonts, sans_fonts)
    elif roll < 0.45 and people:
        im = stage_scene(rng, people, kai_fonts, sans_fonts)
    else:
        im = crop(load(pool[rng.integers(len(pool))]), rng)
        f = rng.uniform(*long_side) / max(im.size)
        im = im.resize((max(16, int(im.width * f)), max(16, int(im.height * f))), Image.LANCZOS)
        if rng.random() < 0.45:
            im = banner(im, rng, kai_fonts, sans_fonts)
    im = colour(im, rng)
    if rng.random() < 0.3:
        im = old_photo(im, rng)
    if rng.random() < 0.12:
        im = album_print(im, rng, kai_fonts)
    if rng.random() < 0.1:
        im = degrade.perspective(im, rng, 0.05, (0, 0, 0))
    if rng.random() < 0.2:
        im = degrade.uneven_light(im, rng, rng.uniform(0.1, 0.5))
    return im
