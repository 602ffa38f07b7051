#!/usr/bin/env bash
# Replays the same frames through two headsup binaries and diffs their
# --events logs with the wall-clock `time` field masked: a restructuring
# must leave every line equal. Usage:
#   scripts/events_diff.sh OLD_BINARY NEW_BINARY
# Needs ../shared/testdata (front_neck_grades) and jq.
set -euo pipefail
old=$1 new=$2
data=${HEADSUP_TESTDATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/testdata}
src=$data/unlicensed/front_neck_grades
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/frames"
n=0
# Good posture, a long forward-head stretch, good again: states, alerts,
# a snooze, a pause and a resume.
for pass in $(seq 1 15); do for f in "$src"/case4_*; do ln -s "$f" "$work/frames/$(printf %05d $n).jpg"; n=$((n+1)); done; done
for pass in $(seq 1 30); do for f in "$src"/case1_*; do ln -s "$f" "$work/frames/$(printf %05d $n).jpg"; n=$((n+1)); done; done
for pass in $(seq 1 10); do for f in "$src"/case4_*; do ln -s "$f" "$work/frames/$(printf %05d $n).jpg"; n=$((n+1)); done; done
cal=("$src"/case4_*)
status=0
for scenario in "plain" "--at 30=snooze:1m --at 150=pause --at 170=resume" "--at 200=snooze:2m"; do
  extra=()
  [ "$scenario" = plain ] || read -ra extra <<<"$scenario"
  for which in old new; do
    bin=${!which}
    XDG_DATA_HOME=$work/$which XDG_CONFIG_HOME=$work/$which "$bin" watch --headless --no-control --no-journal \
      --runtime rten --model lite --source "$work/frames" --events "$work/$which.jsonl" \
      "${extra[@]}" --calibrate "${cal[@]}" >/dev/null 2>&1
    jq -c 'del(.time)' "$work/$which.jsonl" >"$work/$which.masked"
  done
  if diff -u "$work/old.masked" "$work/new.masked"; then
    echo "$scenario: $(wc -l <"$work/new.masked") events, identical"
  else
    echo "$scenario: DIFFERENT"; status=1
  fi
done
exit $status
