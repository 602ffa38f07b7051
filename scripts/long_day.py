#!/usr/bin/env python3
"""A measured 8-hour working day: a replay plan (upright, forward stretches,
away, the camera unplugged twice) plus a pause and a snooze, through the
full watcher with the journal on, on the simulated clock. Samples the
watcher's RSS and open file descriptors against the replay clock, then
checks the day's report against what was replayed.

    python3 scripts/long_day.py [--bin target/release/headsup] [--fps 2]
        [--runtime auto|rten|onnxruntime] [--model full|lite] [--scale 1.0]

--scale shortens every segment (0.02 is a one-minute smoke run). Frames come
from the shared test data (HEADSUP_TESTDATA, default ../shared/testdata),
cut to one 360x640 frame size with ImageMagick and given sensor noise
when `convert` is there (else used as they are). Prints a table and exits non-zero if a check fails.
KEEP_EVENTS=FILE keeps the run's --events log.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# (minutes, what the camera shows); pauses and snoozes are requests, below.
DAY = [
    (45, "upright"), (12, "forward"), (40, "upright"), (15, "away"),
    (50, "upright"), (20, "forward"), (10, "upright"), (5, "camera-lost"),
    (13, "upright"), (45, "away"),  # lunch, paused by the user
    (60, "upright"), (8, "forward"), (37, "upright"),
    (10, "forward"), (20, "upright"),  # both inside a 30 min snooze
    (40, "upright"), (10, "camera-lost"), (30, "upright"), (10, "forward"),
]
# Minutes of the day: the lunch pause (from, to) and the snooze (from, for).
PAUSE, SNOOZE = (210, 255), (360, 30)
# (minute of the day, request) on the replay clock; {snooze} is its length.
REQUESTS = [(PAUSE[0], "pause"), (PAUSE[1], "resume"), (SNOOZE[0], "snooze:{snooze}")]
FRAMES = {
    "upright": "side_view/nvinay_straight_hf.jpg",
    "forward": "side_view/nvinay_hunchback.jpg",
    "away": "negatives/no_person/coco_000000000078.jpg",
}


def fixtures(work: Path, data: Path) -> None:
    """One folder per thing the camera shows: four noisy variants of a frame."""
    have_convert = shutil.which("convert") is not None
    for name, rel in FRAMES.items():
        out = work / name
        out.mkdir()
        for i in range(4):
            dst = out / f"{i}.jpg"
            # One frame size throughout, as a camera gives.
            made = have_convert and subprocess.run(
                ["convert", str(data / rel), "-resize", "360x640^", "-gravity", "center",
                 "-extent", "360x640", "-seed", str(i), "-attenuate", "0.4", "+noise", "Gaussian",
                 "-quality", "90", str(dst)], capture_output=True).returncode == 0
            if not made:
                shutil.copy(data / rel, dst)


def status(sock: Path):
    """The watcher's status over its control socket, or None."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(sock))
            s.sendall(b'{"request":"status"}\n')
            reply = s.makefile().readline()
        return json.loads(reply)
    except (OSError, ValueError):
        return None


def sample(pid: int):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def local_zone_at_nine() -> tuple[str, dt.datetime]:
    """A fixed-offset zone in which now is 09:xx, so the day fits one local date."""
    now = dt.datetime.now(dt.timezone.utc)
    offset = (9 - now.hour) % 24
    if offset > 14:
        offset -= 24
    name = f"<{offset:+03d}>"
    # POSIX TZ offsets are west-positive.
    return f"{name}{-offset}", now + dt.timedelta(hours=offset)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/release/headsup"))
    ap.add_argument("--fps", default="2")
    ap.add_argument("--runtime", default="auto")
    ap.add_argument("--model", default="full")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    data = Path(os.environ.get("HEADSUP_TESTDATA", REPO.parent / "shared/testdata"))
    work = Path(tempfile.mkdtemp(prefix="headsup-day-"))
    try:
        return run(args, data, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, data: Path, work: Path) -> int:
    fixtures(work, data)
    scale = args.scale
    plan = work / "day.plan"
    plan.write_text("".join(f"{m * scale * 60:.3f}s {w if w == 'camera-lost' else w + '/'}\n" for m, w in DAY))
    for d in ["cfg/headsup", "data", "run"]:
        (work / d).mkdir(parents=True)
    (work / "cfg/headsup/config.toml").write_text('[alerts]\nstyle = "terminal"\n')
    tz, local_start = local_zone_at_nine()
    env = dict(os.environ, XDG_CONFIG_HOME=str(work / "cfg"), XDG_DATA_HOME=str(work / "data"),
               XDG_RUNTIME_DIR=str(work / "run"), TZ=tz)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    # Durations in a request ({minutes}) shrink with the day.
    at = [a for m, r in REQUESTS
          for a in ("--at", f"{m * scale * 60:.3f}=" + r.replace("{snooze}", f"{SNOOZE[1] * scale * 60:.0f}s"))]
    cmd = [args.bin, "watch", "--headless", "--source", str(plan), "--fps", args.fps,
           "--runtime", args.runtime, "--model", args.model, "--events", str(work / "events.jsonl"),
           *at, "--calibrate", *map(str, sorted((work / "upright").iterdir()))]
    wall0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "stderr", "w"))
    samples = []  # (replay hours, rss kB, fds)
    while proc.poll() is None:
        time.sleep(2)
        st = status(work / "run/headsup.sock")
        try:
            rss, fds = sample(proc.pid)
        except OSError:
            break
        if st:
            samples.append((st["t"] / 3600 / scale, rss, fds))
    wall = time.monotonic() - wall0
    stderr = (work / "stderr").read_text()
    if proc.returncode != 0:
        print(stderr, file=sys.stderr)
        return 1
    journal = work / "data/headsup/journal.sqlite3"
    journal_bytes = sum(p.stat().st_size for p in journal.parent.glob("journal.sqlite3*"))
    day = local_start.date().isoformat()
    report = json.loads(subprocess.run([args.bin, "report", "--day", day, "--format", "json"], env=env,
                                       check=True, capture_output=True).stdout)
    events = [json.loads(line) for line in (work / "events.jsonl").read_text().splitlines()]
    if os.environ.get("KEEP_EVENTS"):
        shutil.copy(work / "events.jsonl", os.environ["KEEP_EVENTS"])
    return check(args, samples, wall, stderr, journal_bytes, report, events)


def check(args, samples, wall, stderr, journal_bytes, report, events) -> int:
    scale = args.scale
    minutes = lambda what: sum(m for m, w in DAY if w == what) * 60 * scale
    late = [s for s in samples if s[0] >= 2.0]
    rss_growth_mb = (max(s[1] for s in late) - late[0][1]) / 1024 if late else float("nan")
    fds = [s[2] for s in samples[1:]] or [0]
    alerts = sum(1 for e in events if e["event"] == "alert")
    lost = sum(1 for e in events if e["event"] == "camera_lost")
    found = sum(1 for e in events if e["event"] == "camera_found")
    rows = [
        ("replayed", f"{sum(m for m, _ in DAY) * scale / 60:.2f} h at {args.fps} fps in {wall / 60:.1f} min wall"),
        ("runtime / model", f"{args.runtime} / {args.model}"),
        ("samples", f"{len(samples)}"),
        ("RSS at 2 h, max after", f"{late[0][1] / 1024:.1f} MB, {max(s[1] for s in late) / 1024:.1f} MB" if late else "-"),
        ("RSS growth, hours 2-8", f"{rss_growth_mb:+.2f} MB"),
        ("open fds min/max", f"{min(fds)} / {max(fds)}"),
        ("journal size", f"{journal_bytes / 1024:.0f} KiB"),
        ("camera lost s (plan)", f"{report['camera_lost_s']:.0f} ({minutes('camera-lost'):.0f})"),
        ("paused s (asked)", f"{report['paused_s']:.0f} ({(PAUSE[1] - PAUSE[0]) * 60 * scale:.0f})"),
        ("snoozed s (asked)", f"{report['snoozed_s']:.0f} ({SNOOZE[1] * 60 * scale:.0f})"),
        ("forward head / drifting / cannot assess s", f"{report['forward_head_s']:.0f} / {report['drifting_s']:.0f} / {report['cannot_assess_s']:.0f}"),
        ("monitored s", f"{report['monitored_s']:.0f}"),
        ("episodes / alerts (report)", f"{len(report['episodes'])} / {report['alerts']}"),
        ("alerts / lost / found (events)", f"{alerts} / {lost} / {found}"),
        ("good %", f"{report['good_percent']:.1f}" if report["good_percent"] is not None else "-"),
    ]
    for k, v in rows:
        print(f"| {k} | {v} |")
    frame = 1.0 / float(args.fps)
    # Forward stretches the watcher saw (the one inside the snooze is not).
    seen = [m * 60 * scale for i, (m, w) in enumerate(DAY)
            if w == "forward" and not in_snooze(sum(d for d, _ in DAY[:i]))]
    # At full length: an alert after 60 s, again every 300 s (the defaults).
    want_alerts = sum(1 + int((d - 60) // 300) for d in seen)
    checks = [
        ("forward head time as replayed (less each onset)", abs(report["forward_head_s"] - sum(seen)) <= 30 * len(seen)),
        ("alerts at 1 min and every 5 min after", scale < 1 or report["alerts"] == want_alerts),
        ("RSS grows under 5 MB over hours 2-8", scale < 1 or rss_growth_mb < 5.0),
        ("fd count flat", max(fds) - min(fds) <= 2),
        ("camera lost time as planned", abs(report["camera_lost_s"] - minutes("camera-lost")) <= 2 * frame + 1),
        ("paused as asked", abs(report["paused_s"] - (PAUSE[1] - PAUSE[0]) * 60 * scale) <= frame + 1),
        ("snoozed as asked", abs(report["snoozed_s"] - SNOOZE[1] * 60 * scale) <= frame + 1),
        ("two outages, each told lost and found", lost == 2 and found == 2),
        ("an episode per forward stretch", len(report["episodes"]) == len(seen)),
        ("every alert journaled", report["alerts"] == alerts),
        ("no alert while snoozed or paused", all(not in_request_window(e, scale) for e in events if e["event"] == "alert")),
    ]
    failed = [name for name, good in checks if not good]
    for name, good in checks:
        print(f"{'ok  ' if good else 'FAIL'} {name}")
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "")
    return 1 if failed else 0


def in_snooze(minute) -> bool:
    return SNOOZE[0] <= minute < SNOOZE[0] + SNOOZE[1]


def in_request_window(event, scale) -> bool:
    t = event["t"] / 60 / scale
    return PAUSE[0] <= t < PAUSE[1] or in_snooze(t)


if __name__ == "__main__":
    sys.exit(main())
