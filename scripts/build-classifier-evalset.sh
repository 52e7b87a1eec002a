#!/bin/sh
# Builds the artefact classifier's evaluation set (DIR/mm, DIR/hf) from fonts and photos held out of training.
# Usage: npm run build:classifier-evalset -- DIR [--seed N]
set -eu
DIR=${1:?usage: build-classifier-evalset.sh DIR [--seed N]}
shift
case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
TRAINING="$(cd "$(dirname "$0")/../models/training/classifier" && pwd)"
WORK=${CLASSIFIER_WORK:-/tmp/archaive-classifier}
"$TRAINING/prepare.sh" "$WORK"
cd "$TRAINING" && PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 build_evalset.py "$DIR" --work "$WORK" "$@"
