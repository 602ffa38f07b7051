#!/usr/bin/env bash
# Renders the real headsup window under Xvfb while it replays shared test frames
# (calibrated on upright frames, then a hunched stretch), and saves
# assets/screenshot.png. Only the MIT-licensed side_view images are used, since the
# picture is committed (© 2020 Vinay Varma, see side_view/LICENSE-MIT-nvinayvarma189.txt).
# Needs, once:
#   apt-get install xvfb x11-apps imagemagick libgl1-mesa-dri libegl1 libglx-mesa0
set -euo pipefail
cd "$(dirname "$0")/.."
TESTDATA=${HEADSUP_TESTDATA:-../shared/testdata}
side="$TESTDATA/side_view"
work=$(mktemp -d)
cleanup() { kill "${app:-}" "${xvfb:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/frames"
n=0
for f in $(for i in $(seq 1 12); do echo straight_hf; done) $(for i in $(seq 1 200); do echo hunchback_hf; done); do
  ln -s "$(realpath "$side/nvinay_$f.jpg")" "$work/frames/$(printf %05d $n).jpg"; n=$((n + 1))
done
cargo build --release -q
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work"
Xvfb :77 -screen 0 760x720x24 >/dev/null 2>&1 & xvfb=$!
sleep 2
DISPLAY=:77 LIBGL_ALWAYS_SOFTWARE=1 ./target/release/headsup watch --source "$work/frames" --fps 2 --realtime \
  --no-control --calibrate "$side"/nvinay_straight_hf.jpg "$side"/nvinay_straight_hf.jpg "$side"/nvinay_straight_hf.jpg \
  >/dev/null 2>&1 & app=$!
# A minute into the hunched stretch: the head-forward state, its alert sent.
sleep "${WAIT:-75}"
import -display :77 -window root assets/screenshot.png
echo "wrote assets/screenshot.png"
