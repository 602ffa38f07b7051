#!/usr/bin/env python3
"""CPU cost of the tray icon, measured on a real session bus.

Starts a private `dbus-daemon --session`, plays the desktop's
StatusNotifierWatcher on it (jeepney, pure Python: `pip install jeepney`),
and runs `headsup watch --headless --tray` over a realtime replay, first
watching (the icon and tooltip follow every judged frame), then paused
(nothing changes: the idle cost). Reports the CPU of the tray's threads
(the `tray` thread that follows the snapshot and the D-Bus threads ksni and
zbus run) and the D-Bus signals the icon sent, per phase.

    python3 scripts/tray_cpu.py [--bin target/release/headsup] [--secs 60]
Needs ../shared/testdata (front_neck_grades) for the frames.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

from jeepney import DBusAddress, HeaderFields, MessageType, message_bus, new_method_return
from jeepney.bus_messages import MatchRule
from jeepney.io.blocking import open_dbus_connection

ROOT = pathlib.Path(__file__).resolve().parent.parent
WATCHER = "org.kde.StatusNotifierWatcher"


def serve_watcher(address, counts):
    """Answers a tray item's registration and counts the signals it sends."""
    conn = open_dbus_connection(bus=address)
    conn.send_and_get_reply(message_bus.RequestName(WATCHER))
    rule = MatchRule(type="signal", interface="org.kde.StatusNotifierItem")
    conn.send_and_get_reply(message_bus.AddMatch(rule))
    rule = MatchRule(type="signal", interface="com.canonical.dbusmenu")
    conn.send_and_get_reply(message_bus.AddMatch(rule))
    while True:
        msg = conn.receive()
        h = msg.header
        if h.message_type == MessageType.signal:
            counts["signals"] += 1
            continue
        if h.message_type != MessageType.method_call:
            continue
        member = h.fields.get(HeaderFields.member)
        if member == "RegisterStatusNotifierItem":
            counts["registered"] += 1
            conn.send(new_method_return(msg))
        elif member == "Get":
            conn.send(new_method_return(msg, "v", (("b", True),)))
        else:
            conn.send(new_method_return(msg))


def thread_ns(pid):
    """Nanoseconds on a CPU per thread name (schedstat: finer than ticks)."""
    out = {}
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            ns = int((task / "schedstat").read_text().split()[0])
        except OSError:
            continue
        out[comm] = out.get(comm, 0) + ns
    return out


# Threads that are the tray's: ours (ksni's own threads inherit its name,
# `tray`), and the async-io reactor and blocking pool zbus runs on.
TRAY_THREADS = ("tray", "async-io", "blocking")


def phase(pid, secs, counts):
    t0, s0 = thread_ns(pid), counts["signals"]
    time.sleep(secs)
    t1, s1 = thread_ns(pid), counts["signals"]
    used = {k: (v - t0.get(k, 0)) / 1e9 / secs * 100 for k, v in t1.items()}
    tray = sum(v for k, v in used.items() if k.startswith(TRAY_THREADS))
    by_thread = {k: round(v, 3) for k, v in used.items() if v > 0}
    return tray, sum(used.values()), (s1 - s0) * 60 / secs, by_thread


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/headsup"))
    ap.add_argument("--secs", type=float, default=60)
    args = ap.parse_args()
    data = pathlib.Path(os.environ.get("HEADSUP_TESTDATA", ROOT.parent / "shared/testdata"))
    cal = sorted(str(p) for p in (data / "unlicensed/front_neck_grades").glob("case4_*"))
    work = pathlib.Path(tempfile.mkdtemp(prefix="headsup-tray-"))
    frames = work / "frames"
    frames.mkdir()
    for i in range(int(args.secs * 2 * 2 + 200)):
        (frames / f"{i:05}.jpg").symlink_to(cal[i % len(cal)])
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE, text=True
    )
    address = bus.stdout.readline().strip()
    counts = {"signals": 0, "registered": 0}
    threading.Thread(target=serve_watcher, args=(address, counts), daemon=True).start()
    time.sleep(0.5)
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address, XDG_CONFIG_HOME=str(work / "cfg"),
               XDG_DATA_HOME=str(work / "data"), XDG_RUNTIME_DIR=str(work / "run"))
    (work / "run").mkdir()
    pause_at = 15 + args.secs
    cmd = [args.bin, "watch", "--headless", "--tray", "--runtime", "rten", "--model", "lite", "--fps", "2",
           "--no-control", "--source", str(frames), "--realtime", "--at", f"{pause_at}=pause", "--calibrate", *cal]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(15)  # start-up and calibration
        if counts["registered"] != 1:
            sys.exit(f"the tray did not register ({counts})")
        watching = phase(proc.pid, args.secs, counts)
        time.sleep(3)  # into the pause
        paused = phase(proc.pid, args.secs, counts)
    finally:
        proc.terminate()
        proc.wait(10)
        bus.terminate()
    print(f"tray CPU on a real session bus ({args.secs:.0f} s per phase, 2 fps replay, rten lite):")
    for name, (tray, total, signals, threads) in (("watching", watching), ("paused", paused)):
        print(f"  {name:9} tray threads {tray:.3f}% of a core · whole process {total:.1f}% · "
              f"{signals:.0f} D-Bus signals/min")
        print(f"            % of a core by thread: {threads}")


if __name__ == "__main__":
    main()
