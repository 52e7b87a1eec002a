"""Vocabulary (Big5 level 1) and clean glyph renders from Debian's Kai-style fonts."""
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


def render_all(chars, size=48):
    """glyphs[font][class] as uint8 size x size, plus a mask of which fonts have which characters.
    A character is missing from a font when it renders like the font's own missing-glyph box."""
    glyphs = np.zeros((len(FONTS), len(chars), size, size), dtype=np.uint8)
    have = np.zeros((len(FONTS), len(chars)), dtype=bool)
    for f, (path, index) in enumerate(FONTS):
        font = ImageFont.truetype(path, size * 2 - 16, index=index)
        notdef = [render(font, c, size) for c in ('\U0010FFFD', '\uE000')]
        for k, ch in enumerate(chars):
            g = render(font, ch, size)
            if g is None or any(n is not None and np.array_equal(g, n) for n in notdef):
                continue
            glyphs[f, k] = g
            have[f, k] = True
    return glyphs, have
