#!/bin/sh
# Builds the character language model (models/lm/zh-hant-char-lm.bin) from Debian and npm packages,
# then measures it on held-out text. Offline step; its output is committed. Run from the repository root:
#   models/training/lm/build-char-lm.sh
# Then update the registry entry `zh-hant-char-lm` in models/context.json (bytes, sha256) from
# models/lm/zh-hant-char-lm.json, and re-run the OCR calibration (calibrate.sh).
set -eu
WORK=${WORK:-/tmp/archaive-lm}
export WORK
. models/training/lm/fetch-sources.sh
npx tsx models/training/lm/build-char-lm.ts --out models/lm/zh-hant-char-lm.bin
# Held-out text: the modern UI messages and the classical prose no build uses (sources.ts).
npx tsx models/training/lm/eval-char-lm.ts models/lm/zh-hant-char-lm.bin "$WORK/zh_TW-messages.txt" "$WORK/chinese-poetry/dist/mengxue/guwenguanzhi.json"
