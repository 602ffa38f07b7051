#!/usr/bin/env bash
# CPU share of the glow overlay while shown and while hidden, with and
# without a compositor: `headsup overlay --style glow` under Xvfb, fed as
# the watcher feeds it at 2 fps (a level every 0.5 s, growing from 0.35 to
# 1 while shown; nothing while hidden). Counts the overlay process, the X
# server (which does the drawing) and xcompmgr (which composites it).
#   bash scripts/overlay_cpu.sh [binary] [seconds per phase, default 60]
# Needs Xvfb and xcompmgr (apt-get install xvfb xcompmgr).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/headsup}; secs=${2:-60}
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
share() { awk -v a="$1" -v b="$2" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%5.2f%%", 100*(b-a)/hz/s }'; }
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); 1024x768, one monitor"
for mode in opaque composited; do
  work=$(mktemp -d)
  display=:$((250 + $$ % 40))
  Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
  sleep 1
  comp=""
  if [[ $mode == composited ]]; then DISPLAY=$display xcompmgr 2>/dev/null & comp=$!; sleep 1; fi
  mkfifo "$work/levels"
  DISPLAY=$display "$bin" overlay --style glow <"$work/levels" >"$work/out" 2>/dev/null & pid=$!
  exec 3>"$work/levels"
  sleep 1
  pids=("$pid" "$xvfb"); [[ -n $comp ]] && pids+=("$comp")
  for phase in shown hidden; do
    before=(); for p in "${pids[@]}"; do before+=("$(ticks "$p")"); done
    if [[ $phase == shown ]]; then
      n=$((secs * 2))
      for i in $(seq 0 $((n - 1))); do
        awk -v i="$i" -v n="$n" 'BEGIN { printf "%.4f\n", 0.35 + 0.65 * i / n }' >&3
        sleep 0.5
      done
    else
      echo 0 >&3; sleep "$secs"
    fi
    line="$mode, $phase:"
    names=(overlay Xvfb xcompmgr)
    for k in "${!pids[@]}"; do line+=" ${names[$k]} $(share "${before[$k]}" "$(ticks "${pids[$k]}")")"; done
    echo "$line  (of one core over $secs s)"
  done
  exec 3>&-
  wait "$pid" 2>/dev/null || true
  [[ -n $comp ]] && kill "$comp" 2>/dev/null
  kill "$xvfb" 2>/dev/null; wait 2>/dev/null || true
  rm -rf "$work"
done
