#!/bin/sh
# Builds the character language model (models/lm/zh-hant-char-lm.bin) from Debian packages, then
# measures it on held-out text. Offline step; its output is committed. Run from the repository root:
#   models/training/lm/build-char-lm.sh
# Then update the registry entry `zh-hant-char-lm` in models/context.json (bytes, sha256) from
# models/lm/zh-hant-char-lm.json.
set -eu
WORK=${WORK:-/tmp/archaive-lm}
if [ "$(id -u)" = 0 ]; then
  apt-get update
  apt-get install -y python3-jieba fortunes-zh libchewing3-data
fi
npx tsx models/training/lm/build-char-lm.ts --out models/lm/zh-hant-char-lm.bin
# Held-out text: modern Traditional UI messages installed under /usr/share/locale, and classical
# prose (the Guwen Guanzhi anthology from npm chinese-poetry, MIT), neither used in the build.
mkdir -p "$WORK"
/usr/bin/python3 models/training/lm/locale_text.py "$WORK/zh_TW-messages.txt"
if [ ! -d "$WORK/chinese-poetry" ]; then
  (cd "$WORK" && npm pack chinese-poetry@2.0.1 >/dev/null && mkdir -p chinese-poetry && tar xzf chinese-poetry-2.0.1.tgz -C chinese-poetry --strip-components 1)
fi
npx tsx models/training/lm/eval-char-lm.ts models/lm/zh-hant-char-lm.bin "$WORK/zh_TW-messages.txt" "$WORK/chinese-poetry/dist/mengxue/guwenguanzhi.json"
