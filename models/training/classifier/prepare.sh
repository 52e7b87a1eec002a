#!/bin/sh
# Installs what the classifier's data builders need, all from Debian, and unpacks the photo packages
# (without installing them) into the work folder. Usage: prepare.sh WORK_DIR
set -eu
WORK=${1:?usage: prepare.sh WORK_DIR}
NEED="python3-torch python3-onnx python3-numpy python3-pil python3-scipy python3-skimage \
fonts-cns11643-kai fonts-arphic-ukai fonts-arphic-bkai00mp fonts-cwtex-kai fonts-lxgw-wenkai fonts-wqy-microhei fonts-dejavu-core"
MISSING=""
for p in $NEED; do dpkg -s "$p" >/dev/null 2>&1 || MISSING="$MISSING $p"; done
if [ -n "$MISSING" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $MISSING
fi
# Photographs: wallpapers and sample images shipped by these Debian packages (licences in docs/classifier.md).
mkdir -p "$WORK/debs"
for p in opencv-doc plasma-workspace-wallpapers mate-backgrounds python-matplotlib-data; do
  if [ ! -d "$WORK/debs/$p" ]; then
    (cd "$WORK/debs" && apt-get download "$p" && dpkg -x "${p}"_*.deb "$p" && rm -f "${p}"_*.deb)
  fi
done
