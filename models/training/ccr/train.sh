#!/bin/sh
# Trains our Traditional Chinese character classifier from scratch on the CPU, offline: Debian packages
# (torch, numpy, Pillow, onnx, the Kai-style fonts), glyph renders, training, ONNX export to models/ccr/.
# Usage, from the repository root: models/training/ccr/train.sh [train.py options]
# The committed model: models/training/ccr/train.sh --steps 6000 --max-minutes 57 --export-every 1000
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  apt-get update
  apt-get install -y python3-torch python3-numpy python3-pil python3-onnx \
    fonts-cns11643-kai fonts-arphic-ukai fonts-arphic-bkai00mp fonts-cwtex-kai fonts-lxgw-wenkai
fi
cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 train.py "$@"
