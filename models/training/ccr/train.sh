#!/bin/sh
# Trains our Traditional Chinese character classifier on the CPU: Debian packages (torch, numpy, Pillow,
# onnx, fontTools, the Kai-style fonts), glyph renders, training, ONNX export to models/ccr/.
# Usage, from the repository root: models/training/ccr/train.sh [train.py options]
# From scratch, Kai fonts only (offline once the Debian packages are in):
#   models/training/ccr/train.sh --steps 6000 --max-minutes 57 --export-every 1000
# With --brush-share (brush and semi-cursive fonts, see glyphs.FONTSOURCE), the fontsource npm packages are
# fetched with `npm pack` into WORK/fonts (WORK: --work, default /tmp/archaive-ccr) unless already there:
# @fontsource/zhi-mang-xing, long-cang, ma-shan-zheng, yuji-syuku, yuji-boku, yuji-mai and lxgw-wenkai-tc,
# Google Fonts, all under the SIL Open Font License 1.1 (each package's LICENSE). Nothing is installed
# into the repository. Rendering the 7 fontsource fonts takes about 40 s (cached in WORK/glyphs48-fontsource.npz).
# With --stroke-share, the stroke data (npm hanzi-writer-data, Make Me a Hanzi's stroke medians, Arphic Public
# License: its ARPHICPL.TXT) is fetched the same way into WORK/strokes, and strokes.py renders it (about 9 ms a
# render on one thread; cached in WORK/strokes48-VARIANTS-SEED.npz).
# The committed model was fine-tuned from the Kai-only one (its checkpoint /tmp/archaive-ccr/ccr.pt, ONNX sha256
# 902ce312...: 5,403 steps from scratch with the command above), 4,000 steps in 28.5 min on one thread, in a
# work dir of its own (glyphs48.npz and fonts/ linked from /tmp/archaive-ccr) and written to /tmp first, then
# copied into models/ccr/:
#   models/training/ccr/train.sh --init /tmp/archaive-ccr/ccr.pt --brush-share 0.5 --lr 0.002 --warmup 150 \
#     --steps 4000 --max-minutes 40 --export-every 1500 --threads 1 --work /tmp/archaive-ccr-brush \
#     --out /tmp/ccr-work/out
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  apt-get update
  apt-get install -y python3-torch python3-numpy python3-pil python3-onnx python3-fonttools \
    fonts-cns11643-kai fonts-arphic-ukai fonts-arphic-bkai00mp fonts-cwtex-kai fonts-lxgw-wenkai
fi
WORK=/tmp/archaive-ccr
BRUSH=0
STROKES=0
prev=
for a in "$@"; do
  case "$prev" in --work) WORK=$a ;; esac
  case "$a" in
    --work=*) WORK=${a#--work=} ;;
    --brush-share|--brush-share=*) BRUSH=1 ;;
    --stroke-share|--stroke-share=*) STROKES=1 ;;
  esac
  prev=$a
done
if [ "$BRUSH" = 1 ]; then
  mkdir -p "$WORK/fonts"
  for pkg in $(cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 glyphs.py --packages); do
    name=${pkg%@*} version=${pkg#*@}
    dir="$WORK/fonts/fontsource-$name-$version"
    [ -d "$dir/package/files" ] && continue
    (cd "$WORK/fonts" && npm pack --silent "@fontsource/$name@$version" >/dev/null)
    mkdir -p "$dir" && tar xzf "$WORK/fonts/fontsource-$name-$version.tgz" -C "$dir"
    grep -q 'SIL Open Font License' "$dir/package/LICENSE" || { echo "$pkg: not OFL?" >&2; exit 1; }
  done
fi
if [ "$STROKES" = 1 ]; then
  pkg=$(cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c 'import strokes; print("%s-%s" % strokes.PACKAGE)')
  dir="$WORK/strokes/$pkg"
  if [ ! -d "$dir/package" ]; then
    mkdir -p "$dir"
    (cd "$WORK/strokes" && npm pack --silent "${pkg%-*}@${pkg##*-}" >/dev/null)
    tar xzf "$WORK/strokes/$pkg.tgz" -C "$dir"
  fi
  grep -q 'ARPHIC PUBLIC LICENSE' "$dir/package/ARPHICPL.TXT" || { echo "$pkg: not under the Arphic Public License?" >&2; exit 1; }
fi
cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 train.py "$@"
