#!/usr/bin/env bash
# CPU share of a real-time `watch --headless` through the emulated UVC
# camera (tests/camera_emu/v4l2emu.c) at 2 fps, for one runtime.
#   bash scripts/camera_cpu.sh [rten|onnxruntime] [seconds] [binary] [moving|still]
# moving: the camera cycles through six photos of a person (every frame
# differs); still: one photo with fresh sensor noise on each of 16 copies
# (ImageMagick), a person sitting still, which the change gate skips.
# Prints the CPU share and the resident memory (RSS) at the end and at peak.
# Frames: the camera fixtures the e2e tests write (run `cargo test --test e2e camera::` once).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${1:-rten}; secs=${2:-120}; bin=${3:-target/release/headsup}; scene=${4:-moving}
frames=target/tmp/camera-frames
ls "$frames"/case4_*[0-9].jpg >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cc -shared -fPIC -O2 -o "$work/emu.so" tests/camera_emu/v4l2emu.c -ldl -lpthread
good=$(ls "$frames"/case4_[0-9].jpg | tr '\n' ' ')
shown=$good
if [ "$scene" = still ]; then
  first=$(ls "$frames"/case4_[0-9].jpg | head -1)
  for i in $(seq -w 1 16); do
    convert "$first" -seed "$i" -attenuate 0.3 +noise Gaussian -quality 90 "$work/still_$i.jpg" 2>/dev/null
  done
  shown=$(ls "$work"/still_*.jpg | tr '\n' ' ')
fi
printf 'log %s/log\ndevice 0\nname Emu Cam\nformat MJPG 640x480 30,15,5 %s\n' "$work" "$shown" > "$work/emu"
mkdir -p "$work/cfg/headsup" "$work/data" "$work/run"
# GATE=off runs the model on every frame (the change gate off), to compare.
skip=true; [ "${GATE:-on}" = off ] && skip=false
printf '[camera]\nfps_good = 2.0\nfps_drifting = 2.0\n[alerts]\nstyle = "none"\n[pose]\nskip_still_frames = %s\n' "$skip" \
  > "$work/cfg/headsup/config.toml"
# WINDOW=1: the window open (under Xvfb, software GL) instead of --headless.
mode=--headless
if [ "${WINDOW:-0}" = 1 ]; then
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >/dev/null 2>&1 &
  xvfb=$!; trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
  export DISPLAY=:$(cat "$work/display") LIBGL_ALWAYS_SOFTWARE=1
  mode=--no-control
fi
XDG_CONFIG_HOME=$work/cfg XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=$work/run \
LD_PRELOAD=$work/emu.so V4L2EMU_CONFIG=$work/emu \
  "$bin" watch $mode --runtime "$runtime" --no-journal --calibrate $good 2>"$work/err" &
pid=$!
sleep 10   # model load and calibration are not part of the steady state
hz=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
sleep "$secs"
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
# Peak and final resident memory (kB), start-up included.
rss=$(awk '/^VmHWM|^VmRSS/ {printf "%s ", $2}' /proc/$pid/status)
kill -TERM $pid; wait $pid || true
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" -v r="$runtime" -v rss="$rss" \
  -v scene="$scene" -v gate="${GATE:-on}" -v window="$([ "${WINDOW:-0}" = 1 ] && echo ', window open')" 'BEGIN { split(rss, m, " ");
    printf "%s, %s person, gate %s%s: %.1f%% of one core over %d s at 2 fps; RSS %.0f MB (peak %.0f MB)\n",
      r, scene, gate, window, 100*(b-a)/hz/s, s, m[2]/1024, m[1]/1024 }'
tail -1 "$work/err"
