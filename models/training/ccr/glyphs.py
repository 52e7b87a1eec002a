"""Vocabulary (Big5 level 1) and clean glyph renders: Debian's Kai-style fonts (FONTS) and, for a share of
the training samples, brush and semi-cursive fonts from Google Fonts fetched as npm packages (FONTSOURCE).
Usage (renders the fontsource fonts into their cache and prints coverage and time):
  /usr/bin/python3 glyphs.py [--work /tmp/archaive-ccr]   (--packages: only list the npm packages)"""
import glob
import hashlib
import os
import time

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# (path, face index): Kai-style fonts from fonts-cns11643-kai, fonts-arphic-ukai, fonts-arphic-bkai00mp,
# fonts-cwtex-kai and fonts-lxgw-wenkai. ukai index 2 is the Taiwan face (Traditional glyph shapes).
FONTS = [
    ('/usr/share/fonts/truetype/cns11643/TW-Kai-98_1.ttf', 0),
    ('/usr/share/fonts/truetype/arphic/ukai.ttc', 2),
    ('/usr/share/fonts/truetype/arphic/ukai.ttc', 1),
    ('/usr/share/fonts/truetype/arphic-bkai00mp/bkai00mp.ttf', 0),
    ('/usr/share/fonts/truetype/cwtex/cwkai.ttf', 0),
    ('/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf', 0),
    ('/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Light.ttf', 0),
    ('/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Bold.ttf', 0),
]

# Google Fonts packaged by fontsource (npm @fontsource/NAME@VERSION, fetched by train.sh with `npm pack`
# into WORK/fonts). All are SIL Open Font License 1.1 (the LICENSE file in each package):
#   Zhi Mang Xing, Long Cang, Ma Shan Zheng: (c) 2018 their Project Authors (github.com/googlefonts/...);
#   Yuji Syuku, Yuji Boku, Yuji Mai: (c) 2021 The Yuji Project Authors (github.com/Kinutafontfactory/Yuji);
#   LXGW WenKai TC: (c) 2024 The LXGW WenKai Project Authors (github.com/lxgw/LxgwWenkaiTC).
# Each package splits its font into about 100 unicode-range chunks (files/NAME-<chunk>-WEIGHT-normal.woff);
# a character is rendered from the chunk whose cmap has it. The three Chinese fonts cover only GB2312, i.e.
# the Big5 characters whose code point Simplified Chinese shares; the Japanese Yuji fonts cover many
# Traditional forms. (name, npm version, weight, style): 'brush' fonts make the brush share of the
# training samples (train.py --brush-share), 'kai' ones join the Kai fonts.
FONTSOURCE = [
    ('zhi-mang-xing', '5.3.0', 400, 'brush'),   # Chinese semi-cursive (行書) brush
    ('long-cang', '5.3.0', 400, 'brush'),       # Chinese semi-cursive (行書) handwriting
    ('ma-shan-zheng', '5.3.1', 400, 'brush'),   # Chinese brush regular script (楷書)
    ('yuji-syuku', '5.3.0', 400, 'brush'),      # Japanese brush
    ('yuji-boku', '5.3.0', 400, 'brush'),       # Japanese brush
    ('yuji-mai', '5.3.0', 400, 'brush'),        # Japanese brush
    ('lxgw-wenkai-tc', '5.3.0', 400, 'kai'),    # Kai, Traditional (Taiwan) glyph shapes
]


def fontsource_fonts(font_dir):
    """FONTSOURCE as font entries: (list of the chunk .woff files, 0), in FONTSOURCE order."""
    out = []
    for name, version, weight, _ in FONTSOURCE:
        files = sorted(glob.glob(os.path.join(font_dir, f'fontsource-{name}-{version}', 'package', 'files',
                                              f'{name}-[0-9]*-{weight}-normal.woff')))
        if not files:
            raise FileNotFoundError(f'{name} {version}: no chunk files under {font_dir} (train.sh fetches them)')
        out.append((files, 0))
    return out


def font_label(entry):
    """A short name for the training record: file name (#face) or fontsource package and chunk count."""
    path, index = entry
    if isinstance(path, (list, tuple)):
        base = os.path.basename(path[0])
        name, weight = base.split('-')[:-3], base.split('-')[-2]
        pkg = os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(path[0]))))
        return f'{pkg} ({"-".join(name)} {weight}, {len(path)} woff chunks)'
    return os.path.basename(path) + (f'#{index}' if index else '')


def big5_level1():
    """The 5,401 frequent characters of Big5 level 1 (0xA440-0xC67E), in code order."""
    chars = []
    for hi in range(0xA4, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            code = hi * 256 + lo
            if code < 0xA440 or code > 0xC67E:
                continue
            try:
                chars.append(bytes([hi, lo]).decode('big5'))
            except UnicodeDecodeError:
                pass
    return chars


def render(font, ch, size):
    """Ink (1) on background (0), the glyph's ink box scaled to fill the square, centred."""
    canvas = size * 2
    img = Image.new('L', (canvas, canvas), 0)
    ImageDraw.Draw(img).text((canvas // 2, canvas // 2), ch, fill=255, font=font, anchor='mm')
    a = np.asarray(img)
    ys, xs = np.nonzero(a > 32)
    if len(ys) == 0:
        return None
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    side = max(y1 - y0, x1 - x0)
    cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
    box = (cx - side // 2, cy - side // 2, cx - side // 2 + side, cy - side // 2 + side)
    out = img.crop(box).resize((size, size), Image.BILINEAR)
    return np.asarray(out)


def _unified(cp):
    """A unified CJK ideograph (not a compatibility ideograph, not a radical)."""
    return 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or (0x20000 <= cp <= 0x3134F and not 0x2F800 <= cp <= 0x2FA1F)


def _chunked(files, px):
    """For a font split into chunks: {char: FreeType font of the chunk whose cmap has it}, and the set of
    characters whose outline is the very outline of another unified ideograph in the same font (a font that
    draws, say, U+9304 with the outline of U+9332): those are left out, so every render used is the glyph the
    font gives that code point of its own."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont
    where, owners, outline = {}, {}, {}
    for path in files:
        tt = TTFont(path)
        glyph_set = tt.getGlyphSet()
        font = None
        for cp, name in tt.getBestCmap().items():
            pen = RecordingPen()
            glyph_set[name].draw(pen)
            h = hashlib.sha1(repr(pen.value).encode()).digest()
            owners.setdefault(h, set()).add(cp)
            outline[cp] = h
            if chr(cp) not in where:
                font = font or ImageFont.truetype(path, px)
                where[chr(cp)] = font
    shared = {ch for ch in where if ord(ch) in outline
              and any(o != ord(ch) and _unified(o) for o in owners[outline[ord(ch)]])}
    return where, shared


def render_all(chars, size=48, fonts=None, log=None):
    """glyphs[font][class] as uint8 size x size, plus a mask of which fonts have which characters.
    fonts: entries like FONTS (default FONTS); an entry whose path is a list of chunk files is a font split
    into chunks (fontsource_fonts). A character is missing from a single-file font when it renders like the
    font's own missing-glyph box; from a chunked font when no chunk's cmap has it (or its outline is
    another code point's, see _chunked)."""
    fonts = FONTS if fonts is None else fonts
    glyphs = np.zeros((len(fonts), len(chars), size, size), dtype=np.uint8)
    have = np.zeros((len(fonts), len(chars)), dtype=bool)
    for f, (path, index) in enumerate(fonts):
        t = time.time()
        if isinstance(path, (list, tuple)):
            where, shared = _chunked(path, size * 2 - 16)
            for k, ch in enumerate(chars):
                if ch not in where or ch in shared:
                    continue
                g = render(where[ch], ch, size)
                if g is None:
                    continue
                glyphs[f, k] = g
                have[f, k] = True
            note = f', {sum(ch in shared for ch in chars)} left out (outline of another code point)'
        else:
            font = ImageFont.truetype(path, size * 2 - 16, index=index)
            notdef = [render(font, c, size) for c in ('\U0010FFFD', '\uE000')]
            for k, ch in enumerate(chars):
                g = render(font, ch, size)
                if g is None or any(n is not None and np.array_equal(g, n) for n in notdef):
                    continue
                glyphs[f, k] = g
                have[f, k] = True
            note = ''
        if log:
            log(f'{font_label((path, index))}: {int(have[f].sum())} of {len(chars)}{note}, {time.time() - t:.0f}s')
    return glyphs, have


def fontsource_cache(work, chars, log=print):
    """The FONTSOURCE renders, cached in WORK/glyphs48-fontsource.npz (rebuilt when FONTSOURCE changes).
    Returns glyphs, have, styles ('brush' or 'kai' per font) and labels."""
    cache = os.path.join(work, 'glyphs48-fontsource.npz')
    names = np.array([f'{n}@{v}/{w}' for n, v, w, _ in FONTSOURCE])
    styles = [s for *_, s in FONTSOURCE]
    fonts = fontsource_fonts(os.path.join(work, 'fonts'))
    labels = [font_label(e) for e in fonts]
    if os.path.exists(cache):
        z = np.load(cache)
        if list(z['names']) == list(names):
            return z['glyphs'], z['have'], styles, labels
    t = time.time()
    glyphs, have = render_all(chars, fonts=fonts, log=log)
    np.savez(cache, glyphs=glyphs, have=have, names=names)
    log(f'fontsource renders: {len(fonts)} fonts in {time.time() - t:.0f}s -> {cache}')
    return glyphs, have, styles, labels


if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument('--work', default='/tmp/archaive-ccr')
    p.add_argument('--packages', action='store_true', help='only print the npm packages (NAME@VERSION), one a line')
    a = p.parse_args()
    if a.packages:
        print('\n'.join(f'{n}@{v}' for n, v, *_ in FONTSOURCE))
        raise SystemExit
    c = big5_level1()
    _, h, s, lab = fontsource_cache(a.work, c)
    for label, style, n in zip(lab, s, h.sum(1).tolist()):
        print(f'{style:5s} {n:5d} / {len(c)}  {label}')
    brush = h[[i for i, x in enumerate(s) if x == 'brush']].any(0)
    print(f'classes some brush font has: {int(brush.sum())} of {len(c)}')
