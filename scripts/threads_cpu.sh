#!/usr/bin/env bash
# CPU time per judged frame for each runtime and inference thread count, on
# both cores and pinned to one (taskset), through the full watcher on a
# 640x480 replay (a still person with sensor noise: tracked frames).
#   bash scripts/threads_cpu.sh [binary] [model]
# Start-up (model load, calibration) is taken out by running the replay at
# two lengths and dividing the difference. Needs ImageMagick (`convert`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/headsup}; model=${2:-full}
data=${HEADSUP_TESTDATA:-../shared/testdata}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/frames" "$work/cfg/headsup" "$work/data" "$work/run"
for i in 0 1 2 3; do
  convert "$data/side_view/nvinay_straight_hf.jpg" -resize 640x480 -background black -gravity center \
    -extent 640x480 -seed $i -attenuate 0.4 +noise Gaussian -quality 90 "$work/frames/$i.jpg"
done
printf '[alerts]\nstyle = "none"\n' > "$work/cfg/headsup/config.toml"
replay() { # N → a folder of N frames (links)
  local dir=$work/replay$1; mkdir -p "$dir"
  for ((k = 0; k < $1; k++)); do ln -sf "$work/frames/$((k % 4)).jpg" "$dir/$(printf %05d "$k").jpg"; done
  echo "$dir"
}
short=$(replay 40); long=$(replay 240)
run() { # dir runtime threads cores → CPU seconds (user + sys) of the whole run
  local pin=(); [ "$4" = 1 ] && pin=(taskset -c 0)
  XDG_CONFIG_HOME=$work/cfg XDG_DATA_HOME=$work/data XDG_RUNTIME_DIR=$work/run \
    /usr/bin/time -f '%U %S' "${pin[@]}" "$bin" watch --headless --no-journal --no-control \
    --source "$1" --fps 2 --runtime "$2" --model "$model" --threads "$3" \
    --calibrate "$work"/frames/*.jpg 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}'
}
printf '| runtime | threads | cores | CPU ms per frame |\n|---|---|---|---|\n'
for rt in rten onnxruntime; do
  for cores in 2 1; do
    for th in 1 2; do
      s=$(run "$short" "$rt" "$th" "$cores"); l=$(run "$long" "$rt" "$th" "$cores")
      awk -v s="$s" -v l="$l" -v rt="$rt" -v th="$th" -v c="$cores" \
        'BEGIN { printf "| %s | %s | %s | %.1f |\n", rt, th, c, (l - s) * 1000 / 200 }'
    done
  done
done
