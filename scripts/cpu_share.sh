#!/usr/bin/env bash
# CPU share and memory of leaving headsup watching, for each runtime and
# scene, and MediaPipe's own cost on the same frames, in one run:
#   bash scripts/cpu_share.sh [seconds per run, default 300] [binary]
# Each run is scripts/camera_cpu.sh: `watch --headless` in real time through
# the emulated UVC camera, 640x480 MJPEG at 2 fps, with the change gate on.
# Needs ImageMagick and Xvfb; ONNX Runtime from pip (`pip install onnxruntime`) for
# its rows; MediaPipe 0.10.21 goes into target/mp-venv on the first run.
# The camera frames are the ones the e2e tests write (`cargo test --test e2e camera::`).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}; bin=${2:-target/release/headsup}
frames=target/tmp/camera-frames
ls "$frames"/case4_*[0-9].jpg >/dev/null
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
for runtime in rten onnxruntime; do
  for scene in still moving; do
    bash scripts/camera_cpu.sh "$runtime" "$secs" "$bin" "$scene" | sed -n 1p
  done
done
# The window open as well (Xvfb, software GL): its cost is the difference
# (2 minutes each unless WINDOW_SECS says otherwise).
for scene in still moving; do
  WINDOW=1 bash scripts/camera_cpu.sh rten "${WINDOW_SECS:-120}" "$bin" "$scene" | sed -n 1p
done
venv=target/mp-venv
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check mediapipe==0.10.21 numpy==1.26.4
fi
# The same frames the camera showed: the still scene's noisy copies are
# made exactly as camera_cpu.sh makes them (same seeds).
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
first=$(ls "$frames"/case4_[0-9].jpg | head -1)
for i in $(seq -w 1 16); do
  convert "$first" -seed "$i" -attenuate 0.3 +noise Gaussian -quality 90 "$work/still_$i.jpg" 2>/dev/null
done
echo -n "still person:  "; "$venv/bin/python" scripts/mediapipe_cpu.py "$work"/still_*.jpg 2>/dev/null
echo -n "moving person: "; "$venv/bin/python" scripts/mediapipe_cpu.py "$frames"/case4_[0-9].jpg 2>/dev/null
