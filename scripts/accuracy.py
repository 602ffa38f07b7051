#!/usr/bin/env python3
"""Accuracy table: every labelled image and sequence of the shared test data
judged by `headsup analyze`, next to a peer-style single-threshold rule.

    python3 scripts/accuracy.py [--bin target/release/headsup] [--data ../shared/testdata]
                                [--model full] [--runtime auto] [--out FILE] [--compare-lite]

Stills are judged twice: uncalibrated, and against a calibration on the
upright front frames (case4, the only person with graded front frames; those
six frames are in-sample). Sequences are built from the stills at 2 fps, each
image held for 10 s, and judged exactly as the live watcher would (smoothing,
onset delay, alert after `alert_after_s` of forward head).

The peer rule is the one popular Linux posture tools use: calibrate the nose's
height once, then call a frame "slouching" when the nose sits more than 5 % of
the frame height below it, and alert when that lasts as long as headsup's own
alert delay. It reads the same landmarks headsup does.

Exits 1 when a sequence that must not alert does (a false alarm), or when a
front or side frame is judged back to the camera, after printing the table. `--compare-lite` also runs the lite model and reports how
many frames get the same state and whether the alerts are identical.
Standard library only; nothing is copied from the test data.
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

HOLD_S = 10          # each image of a sequence is shown this long
FPS = 2.0
TAIL_S = 150         # sequences last at least this long (alert delay + onset + margin)
PEER_DROP = 0.05     # nose drop, as a fraction of the frame height
IMAGE_EXT = (".jpg", ".jpeg", ".png")
STATES = ("good", "drifting", "forward_head", "cannot_assess")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default="target/release/headsup")
    p.add_argument("--data", default="../shared/testdata")
    p.add_argument("--model", default="full")
    p.add_argument("--runtime", default="auto")
    p.add_argument("--out", help="also write the table here")
    p.add_argument("--compare-lite", action="store_true")
    return p.parse_args()


def load_labels(data):
    """(path, label, view) of every labelled image, in labels.csv order."""
    with open(os.path.join(data, "labels.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return [(os.path.join(data, r["file"]), r["label"], r["view"])
            for r in rows if r["file"].lower().endswith(IMAGE_EXT)]


class Analyzer:
    """Runs `headsup analyze --format jsonl` with the defaults (an empty
    config and private XDG folders, so nothing of the user's leaks in)."""

    def __init__(self, args, model):
        self.args, self.model = args, model
        self.tmp = tempfile.mkdtemp(prefix="headsup-accuracy-")
        self.config = os.path.join(self.tmp, "config.toml")
        open(self.config, "w").close()
        self.env = dict(os.environ, XDG_CONFIG_HOME=self.tmp, XDG_DATA_HOME=self.tmp,
                        XDG_STATE_HOME=self.tmp, XDG_RUNTIME_DIR=self.tmp)

    def run(self, files, calibrate=None, fps=None):
        cmd = [self.args.bin, "analyze", "--format", "jsonl", "--config", self.config,
               "--model", self.model, "--runtime", self.args.runtime]
        if fps:
            cmd += ["--fps", str(fps)]
        if calibrate:
            cmd += ["--calibrate", *calibrate, "--"]
        out = subprocess.run(cmd + files, env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"accuracy: {' '.join(cmd[:4])} … failed ({out.returncode}):\n{out.stderr}")
        recs = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        if len(recs) != len(files):
            sys.exit(f"accuracy: {len(files)} frames in, {len(recs)} records out:\n{out.stderr}")
        return recs


def nose_height(rec):
    """The nose's height as a fraction of the frame, or None when unseen."""
    lm = rec.get("landmarks")
    if not lm or lm["nose"]["visibility"] < 0.5:
        return None
    return lm["nose"]["y"] / rec["height"]


def peer_baseline(recs):
    ys = [y for y in map(nose_height, recs) if y is not None]
    return sum(ys) / len(ys)


def peer_slouching(rec, base):
    y = nose_height(rec)
    return y is not None and y - base > PEER_DROP


def peer_alerts(recs, base, sustain_s):
    """Times (s) the peer rule alerts: slouching for `sustain_s` in a row,
    once per slouch."""
    alerts, since, fired = [], None, False
    for r in recs:
        if peer_slouching(r, base):
            since = r["t"] if since is None else since
            if not fired and r["t"] - since >= sustain_s:
                alerts.append(r["t"])
                fired = True
        else:
            since, fired = None, False
    return alerts


def sequence(files):
    """Each file held for HOLD_S at FPS, cycled until TAIL_S is reached."""
    per = int(HOLD_S * FPS)
    frames = []
    while len(frames) < TAIL_S * FPS:
        for f in files:
            frames += [f] * per
    return frames


def group_by_label(labels):
    groups = collections.OrderedDict()
    for path, label, view in labels:
        groups.setdefault((label, view), []).append(path)
    return groups


def is_negative(label):
    return label in ("dark", "no_person", "partial", "multi_person", "keypoints_reference")


def sequences(groups, front_good):
    """(name, frames, calibration, must_alert, peer calibration) for every
    sequence judged. must_alert: True, False, or None (no expectation)."""
    seqs = []
    for (label, view), files in groups.items():
        must = {"bad": True, "good": False, "recline": False, "good_extension": False,
                "extension": False, "good_unverified": False}.get(label)
        if is_negative(label):
            must = False if label != "keypoints_reference" else None
        cal = front_good if view == "front" and label != "good_unverified" or is_negative(label) else None
        seqs.append((f"{label} ({view})", sequence(files), cal, must, peer_cal(groups, view, label)))
    upright_then_bad = [f for f in front_good for _ in range(int(HOLD_S * FPS))]
    bad = groups.get(("bad", "front"), [])
    if bad:
        seqs.append(("good, then bad (front)", upright_then_bad + sequence(bad), front_good, True, front_good))
    return seqs


def peer_cal(groups, view, label):
    """The frames the peer rule calibrates on: the same person sitting well
    (the side photos' man, the graded front frames' woman, and the latter for
    the negatives: the calibrated person left and something else is seen)."""
    if label == "good_unverified" or label == "keypoints_reference":
        return None
    return groups.get(("good", "side" if view == "side" else "front"))


def still_rows(an, groups, uncal, cal):
    rows = []
    for (label, view), files in groups.items():
        u = [uncal[f] for f in files]
        c = [cal[f] for f in files]
        pc = peer_cal(groups, view, label)
        base = peer_baseline(an_cal_recs(an, pc)) if pc else None
        peer = "–" if base is None else f"{sum(peer_slouching(r, base) for r in c)}/{len(files)}"
        rows.append((label, view, len(files), counts(u), mean_score(u), counts(c), mean_score(c), peer))
    return rows


def counts(recs):
    n = collections.Counter(r["state"] for r in recs)
    return "/".join(str(n[s]) for s in STATES)


def mean_score(recs):
    s = [r["score"] for r in recs if r["score"] is not None]
    return f"{sum(s) / len(s):.0f}" if s else "–"


def judge_sequences(an, seqs, alert_after):
    out = []
    for name, frames, cal, must, pc in seqs:
        recs = an.run(frames, calibrate=cal, fps=FPS)
        ours = [r["t"] for r in recs if r["alert"] and r["alert_kind"] == "forward_head"]
        other = [r["t"] for r in recs if r["alert"] and r["alert_kind"] != "forward_head"]
        base = peer_baseline(an_cal_recs(an, pc)) if pc else None
        peer = peer_alerts(recs, base, alert_after) if base is not None else None
        out.append((name, len(frames) / FPS, must, ours, other, peer, counts(recs), recs))
    return out


_cal_cache = {}


def an_cal_recs(an, cal):
    key = (an.model, tuple(cal))
    if key not in _cal_cache:
        _cal_cache[key] = an.run(list(cal))
    return _cal_cache[key]


def verdict(must, alerted):
    if must is None:
        return ""
    return "✓" if must == bool(alerted) else "✗"


def first(ts):
    return f"{len(ts)} (first {ts[0]:.0f} s)" if ts else "0"


def backs(labels, recs):
    """Front and side frames (stills and sequences) judged back to the camera."""
    views = {p: v for p, _, v in labels}
    seen = [r for r in recs if views.get(r["file"]) in ("front", "side")]
    return sum(r["view"] == "back" for r in seen), len(seen)


def table(args, stills, seqs, back):
    lines = [f"Model {args.model}, runtime {args.runtime}; states are good/drifting/forward_head/cannot_assess.",
             "", "| label | view | n | uncalibrated | score | against case4 | score | peer: slouching |",
             "|---|---|---|---|---|---|---|---|"]
    for label, view, n, cu, su, cc, sc, peer in stills:
        lines.append(f"| {label} | {view} | {n} | {cu} | {su} | {cc} | {sc} | {peer} |")
    lines += ["", "| sequence (2 fps, 10 s per image) | length | expected | headsup alerts | other findings | peer alerts | states |",
              "|---|---|---|---|---|---|---|"]
    for name, secs, must, ours, other, peer, states, _ in seqs:
        want = {True: "alert", False: "no alert", None: "–"}[must]
        peer_s = "–" if peer is None else f"{first(peer)} {verdict(must, peer)}"
        lines.append(f"| {name} | {secs:.0f} s | {want} | {first(ours)} {verdict(must, ours)} | "
                     f"{len(other)} | {peer_s} | {states} |")
    lines += ["", f"Front and side frames judged back to the camera: {back[0]} of {back[1]}."]
    return "\n".join(lines)


def run_all(args, model):
    an = Analyzer(args, model)
    labels = load_labels(args.data)
    groups = group_by_label(labels)
    front_good = groups.get(("good", "front"))
    if not front_good:
        sys.exit("accuracy: labels.csv lists no good front frames to calibrate on")
    files = [p for p, _, _ in labels]
    uncal = dict(zip(files, an.run(files)))
    cal = dict(zip(files, an.run(files, calibrate=front_good)))
    stills = still_rows(an, groups, uncal, cal)
    seqs = judge_sequences(an, sequences(groups, front_good), alert_after=60.0)
    recs = list(uncal.values()) + list(cal.values())
    return stills, seqs, recs, backs(labels, recs + [r for s in seqs for r in s[7]])


def compare(full, lite):
    """Share of frames with the same state, and whether alerts match."""
    (_, fseq, fstill, _), (_, lseq, lstill, _) = full, lite
    f_states = [r["state"] for r in fstill] + [r["state"] for s in fseq for r in s[7]]
    l_states = [r["state"] for r in lstill] + [r["state"] for s in lseq for r in s[7]]
    same = sum(a == b for a, b in zip(f_states, l_states))
    alerts_same = all(a[3] == b[3] and len(a[4]) == len(b[4]) for a, b in zip(fseq, lseq))
    diff = [f"{a[0]} (full at {a[3]} s, lite at {b[3]} s)" for a, b in zip(fseq, lseq) if a[3] != b[3]]
    return (f"lite against full: {same}/{len(f_states)} frames ({100 * same / len(f_states):.1f} %) "
            f"in the same state; alerts {'identical' if alerts_same else 'differ in: ' + ', '.join(diff)}")


def main():
    args = parse_args()
    full = run_all(args, args.model)
    text = table(args, full[0], full[1], full[3])
    if args.compare_lite:
        text += "\n\n" + compare(full, run_all(args, "lite"))
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    false_alarms = [s[0] for s in full[1] if s[2] is False and s[3]]
    if false_alarms:
        sys.exit(f"accuracy: false alarms in: {', '.join(false_alarms)}")
    if full[3][0]:
        sys.exit(f"accuracy: {full[3][0]} front or side frames judged back to the camera")


if __name__ == "__main__":
    main()
