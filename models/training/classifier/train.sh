#!/bin/sh
# Trains the artefact classifier from scratch, offline: Debian packages, then data, training, ONNX export.
# Usage: models/training/classifier/train.sh [train.py options], from the repository root.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${CLASSIFIER_WORK:-/tmp/archaive-classifier}
"$HERE/prepare.sh" "$WORK"
cd "$HERE" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 train.py --work "$WORK" "$@"
