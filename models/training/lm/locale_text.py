"""Writes the Traditional Chinese (zh_TW) message translations installed under /usr/share/locale as
running text, one message a line: held-out text for calibrating the OCR decoder's language-model
weight on synthetic pages (the language model itself is built from other sources).
Usage: /usr/bin/python3 locale_text.py OUT.txt"""
import glob
import gettext
import re
import sys

HAN = re.compile(r'[\u4e00-\u9fff]{4,}')
lines = []
for mo in sorted(glob.glob('/usr/share/locale/zh_TW/LC_MESSAGES/*.mo')):
    with open(mo, 'rb') as f:
        catalog = gettext.GNUTranslations(f)._catalog
    for msg in catalog.values():
        if isinstance(msg, str):
            lines.extend(HAN.findall(msg))
with open(sys.argv[1], 'w', encoding='utf-8') as f:
    f.write('\n'.join(lines) + '\n')
print(f'{len(lines)} runs, {sum(map(len, lines))} characters')
