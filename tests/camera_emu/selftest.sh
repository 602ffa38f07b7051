#!/bin/sh
# Builds libv4l2emu.so and its C client selftest into a temporary directory,
# makes fixtures there and runs the client under the preload; then checks
# that a threaded Python program still works under the preload, and, when
# v4l2-ctl is installed (apt-get install v4l-utils), runs it as a real
# client. Exit status 0 only if everything passed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The library is built as the tests build it; any warning fails the selftest.
cc -shared -fPIC -O2 -Wall -Wextra -o "$tmp/libv4l2emu.so" "$here/v4l2emu.c" -ldl -lpthread 2> "$tmp/cc.err"
cc -O2 -Wall -Wextra -o "$tmp/selftest" "$here/selftest.c" -ldl -lpthread 2>> "$tmp/cc.err"
if [ -s "$tmp/cc.err" ]; then cat "$tmp/cc.err" >&2; echo "selftest: compiler warnings" >&2; exit 1; fi

# Two "JPEGs" (the emulator does not parse them: SOI ... EOI) and a YUYV frame.
printf '\377\330\377\340 frame one \377\331' > "$tmp/f1.jpg"
printf '\377\330\377\340 frame two, a longer one \377\331' > "$tmp/f2.jpg"
head -c $((320 * 240 * 2)) /dev/zero | tr '\0' '\200' > "$tmp/f.yuyv"
cat > "$tmp/config" <<CFG
# selftest configuration
log $tmp/emu.log
control $tmp/control
device 0
name Emu Cam A
format MJPG 640x480 30,15 $tmp/f1.jpg $tmp/f2.jpg
format MJPG 1280x720 10 $tmp/f1.jpg
format YUYV 320x240 30 $tmp/f.yuyv
tail stale
device 2
name Emu Cam B
format YUYV 320x240 15 $tmp/f.yuyv
CFG

export LD_PRELOAD="$tmp/libv4l2emu.so" V4L2EMU_CONFIG="$tmp/config"
"$tmp/selftest" "$tmp"

python3 -c '
import threading, os, queue
q = queue.Queue()
def work(i):
    for j in range(2000):
        q.put(j)
        q.get()
    cond = threading.Condition()
    with cond: cond.wait(0.01)
ts = [threading.Thread(target=work, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
assert "video0" in os.listdir("/dev"), os.listdir("/dev")
print("python threads under the preload: ok")
'

if command -v v4l2-ctl >/dev/null; then
    : > "$tmp/control"
    v4l2-ctl -d /dev/video0 --all > "$tmp/all.txt"
    grep -q "Card type *: Emu Cam A" "$tmp/all.txt"
    v4l2-ctl -d /dev/video0 --list-formats-ext | grep -q "Size: Discrete 1280x720"
    v4l2-ctl -d /dev/video0 --stream-mmap --stream-count=10 --stream-to="$tmp/out.bin" 2>/dev/null
    # 10 frames, alternately f1 and f2
    test "$(wc -c < "$tmp/out.bin")" -eq $((5 * $(wc -c < "$tmp/f1.jpg") + 5 * $(wc -c < "$tmp/f2.jpg")))
    echo "v4l2-ctl --all, --list-formats-ext, --stream-mmap: ok"
fi

unset LD_PRELOAD
echo "selftest: all passed"
