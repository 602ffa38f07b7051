#!/usr/bin/env bash
# CPU share of the window while the watcher is paused (nothing new to
# show): a real window under Xvfb over a realtime replay paused at t = 3 s.
#   bash scripts/window_idle_cpu.sh [binary] [seconds]
# Needs Xvfb and ../shared/testdata (front_neck_grades).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/headsup}; secs=${2:-30}
data=${HEADSUP_TESTDATA:-../shared/testdata}
work=$(mktemp -d); trap 'kill $xvfb 2>/dev/null || true; rm -rf "$work"' EXIT
display=:$((200 + $$ % 50))
Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
sleep 2
mkdir -p "$work/frames" "$work/cfg" "$work/data" "$work/run"
n=0
for pass in $(seq 1 40); do for f in "$data"/unlicensed/front_neck_grades/case4_*; do
  ln -s "$(realpath "$f")" "$work/frames/$(printf %05d $n).jpg"; n=$((n+1)); done; done
DISPLAY=$display XDG_CONFIG_HOME=$work/cfg XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=$work/run \
  "$bin" watch --runtime rten --model lite --no-journal --no-control --source "$work/frames" --realtime \
  --at 3=pause --calibrate "$data"/unlicensed/front_neck_grades/case4_* 2>"$work/err" &
pid=$!
sleep 12   # start-up, calibration, then paused
hz=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
sleep "$secs"
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
kill -TERM $pid
# Versions before the redesign ignored SIGTERM with the window open.
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -KILL $pid 2>/dev/null && echo "(SIGTERM did not end it in 5 s; killed)"
wait $pid 2>/dev/null || true
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v s="$secs" \
  'BEGIN { printf "window, paused watcher: %.1f%% of one core over %d s\n", 100*(b-a)/hz/s, s }'
