"""Batch augmentation on the CPU that turns clean Kai glyphs into something like brush handwriting on old
paper: stroke width, elastic distortion, affine jitter, ink bleed, neighbouring characters cut in,
low resolution, blur, paper tone, stains and noise. Output: grey images in [0, 1], paper light."""
import math
import torch
import torch.nn.functional as F

OUT = 32


def _gauss_kernel(sigma):
    r = max(1, int(math.ceil(sigma * 2.5)))
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    return k / k.sum()


def _blur(x, sigma):
    """Separable Gaussian blur of N x 1 x H x W with one sigma for the whole batch."""
    if sigma < 0.2:
        return x
    k = _gauss_kernel(sigma)
    r = (len(k) - 1) // 2
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode='replicate'), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode='replicate'), k.view(1, 1, -1, 1))


def _pick(mask, a, b):
    m = mask.view(-1, 1, 1, 1).float()
    return a * m + b * (1 - m)


def augment(ink, g, neighbours=True):
    """ink: N x 1 x S x S float in [0, 1] (1 = ink). g: torch.Generator. Returns N x 1 x OUT x OUT grey."""
    return paper(distort(ink, g, neighbours), g)


def distort(ink, g, neighbours=True):
    """The brush and the scan: stroke width, neighbours cut in (when asked), geometry, bleed, dry-brush
    gaps, low resolution, blur. Returns ink in [0, 1] at OUT x OUT."""
    n = ink.shape[0]
    r = lambda *s: torch.rand(*s, generator=g)

    # Stroke width: thinner or thicker brush, up to two pixels at the render size.
    thick = F.max_pool2d(ink, 3, 1, 1)
    thin = -F.max_pool2d(-ink, 3, 1, 1)
    u = r(n)
    ink = _pick(u < 0.25, thin, _pick(u > 0.6, thick, ink))
    thicker = F.max_pool2d(ink, 3, 1, 1)
    ink = _pick(r(n) < 0.08, thicker, ink)

    # Neighbouring characters of the column cut in above or below (segmentation is never exact).
    other = ink[torch.randperm(n, generator=g)]
    s = ink.shape[-1]
    shift = (0.78 + 0.2 * r(1)).item()
    up = torch.roll(other, shifts=int(s * shift), dims=2)
    up[:, :, : int(s * shift)] = 0
    down = torch.roll(other, shifts=-int(s * shift), dims=2)
    down[:, :, s - int(s * shift):] = 0
    u = r(n)
    if neighbours:
        ink = torch.maximum(ink, _pick(u < 0.2, up, 0) + _pick((u >= 0.2) & (u < 0.4), down, 0))

    # Affine jitter (scale, aspect, rotation, shear, shift) plus a smooth random displacement field.
    scale = 0.72 + 0.4 * r(n)
    aspect = torch.exp((r(n) - 0.5) * 0.35)
    rot = (r(n) - 0.5) * math.radians(16)
    shear = (r(n) - 0.5) * 0.35
    sx, sy = 1 / (scale * aspect), aspect / scale
    cos, sin = torch.cos(rot), torch.sin(rot)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sx * cos
    theta[:, 0, 1] = -sin * sx + shear
    theta[:, 1, 0] = sin * sy
    theta[:, 1, 1] = cos * sy
    theta[:, 0, 2] = (r(n) - 0.5) * 0.22
    theta[:, 1, 2] = (r(n) - 0.5) * 0.22
    grid = F.affine_grid(theta, (n, 1, OUT, OUT), align_corners=False)
    amp = 0.09 * r(n).view(n, 1, 1, 1)
    field = F.interpolate((r(n, 2, 4, 4) - 0.5) * 2, size=(OUT, OUT), mode='bicubic', align_corners=False)
    grid = grid + field.permute(0, 2, 3, 1) * amp
    ink = F.grid_sample(ink, grid, mode='bilinear', padding_mode='zeros', align_corners=False)

    # Ink bleed into the paper, and dry-brush gaps.
    bled = torch.clamp(ink + 0.4 * _blur(ink, 1.0), 0, 1)
    ink = _pick(r(n) < 0.2, bled, ink)
    gaps = (F.interpolate(r(n, 1, 10, 10), size=(OUT, OUT), mode='bilinear', align_corners=False) > 0.75).float()
    ink = _pick(r(n) < 0.15, ink * (1 - 0.6 * gaps), ink)

    # Low resolution: down to 12-24 px and back.
    lo = int(12 + 12 * r(1).item())
    small = F.interpolate(F.interpolate(ink, size=(lo, lo), mode='area'), size=(OUT, OUT), mode='bilinear',
                          align_corners=False)
    ink = _pick(r(n) < 0.4, small, ink)
    return _blur(ink, 0.9 * r(1).item())


def paper(ink, g):
    """Paper and ink tone, uneven paper, stains, noise."""
    n = ink.shape[0]
    r = lambda *s: torch.rand(*s, generator=g)
    light = 0.6 + 0.4 * r(n).view(n, 1, 1, 1)
    tone = 0.05 + 0.3 * r(n).view(n, 1, 1, 1)
    dark = light * tone
    img = light - (light - dark) * ink
    blotch = F.interpolate(r(n, 1, 5, 5) - 0.5, size=(OUT, OUT), mode='bicubic', align_corners=False)
    img = img + blotch * 0.15 * r(n).view(n, 1, 1, 1) * light
    img = img + torch.randn(n, 1, OUT, OUT, generator=g) * 0.05 * r(n).view(n, 1, 1, 1)
    return torch.clamp(img, 0, 1)
