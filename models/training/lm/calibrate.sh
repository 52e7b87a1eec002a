#!/bin/sh
# Re-runs the calibration of the OCR context weights (PP-OCR's share of the fusion, the language
# model's weights in CTC decoding and among candidates) after a recogniser or the language model
# changes, then measures the defaults on pages they were not chosen on. One command, from the
# repository root:
#   npm run calibrate:ocr            (models/training/lm/calibrate.sh)
# It makes, once, synthetic column pages in two handwriting-like fonts no model was trained on
# (ccr/synth_columns.py --held-out-fonts) of held-out text the language model never saw
# (held-out-text.ts): modern UI messages and classical prose, each split into a calibration half
# and a test half; then prints the calibration readings and the best weights (to be written into
# fusion.ts, ctc-context.ts and column-decoder.ts by hand, with the figures in docs/ocr.md), and the
# current defaults' CER on the test pages and on the sample page. About 5 CPU minutes for the search
# (23 minutes of wall time at a load average of 6–30 on the shared 2-core machine), plus the pages.
# Never tuned on the sample page: it is only measured.
set -eu
WORK=${WORK:-/tmp/archaive-lm}
export WORK
. models/training/lm/fetch-sources.sh
if [ "$(id -u)" = 0 ]; then
  apt-get install -y python3-torch python3-numpy python3-pil
fi
npx tsx models/training/lm/held-out-text.ts "$WORK/zh_TW-messages.txt" "$WORK/text"
export OMP_NUM_THREADS=1
# name (also its text's), pages, seed
for spec in "modern-calibrate 20 21" "classical-calibrate 12 22" "modern-test 12 31" "classical-test 12 41"; do
  # shellcheck disable=SC2086
  set -- $spec
  if [ ! -d "$WORK/pages/$1" ]; then
    nice -n 10 /usr/bin/python3 models/training/ccr/synth_columns.py "$WORK/pages/$1" --pages "$2" --seed "$3" \
      --text "$WORK/text/$1.txt" --held-out-fonts --work "$WORK/ccr"
  fi
done
nice -n 10 npx tsx models/training/lm/calibrate-context.ts "$WORK/pages/modern-calibrate" "$WORK/pages/classical-calibrate"
nice -n 10 npx tsx models/training/lm/read-pages.ts "$WORK/pages/modern-test" "$WORK/pages/classical-test"
for reader in ppocr fusion; do
  nice -n 10 npx tsx scripts/eval-ocr.ts test/fixtures/samples/minutes-page.jpg test/fixtures/samples/minutes-page.gt.txt --runs 1 --recogniser $reader --no-context | tail -1
  nice -n 10 npx tsx scripts/eval-ocr.ts test/fixtures/samples/minutes-page.jpg test/fixtures/samples/minutes-page.gt.txt --runs 1 --recogniser $reader | tail -1
done
