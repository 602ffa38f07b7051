"""Time MediaPipe's own Python solution (mp.solutions.pose) per 640x480 frame, as a baseline.

Run it in the venv made by scripts/convert_models.sh:
    target/model-build/venv/bin/python scripts/bench_mediapipe.py [--testdata DIR] [--json FILE]

Frames: real test images letterboxed (aspect kept, black bars) into 640x480 RGB.
Modes: "tracking" (static_image_mode=False, the webcam case: the same frame repeated, so after
the first frame only the landmark model runs) and "static" (detector + landmarks every frame).
For each model_complexity (0 lite, 1 full), mode and frame: 5 warm-up + 50 timed process()
calls, median ms. Writes nothing unless --json FILE is given.
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import time

import cv2
import mediapipe as mp

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMES = ["side_view/nvinay_straight_hf.jpg", "side_view/nvinay_hunchback.jpg",
          "front_view/hagrid_none_0a038096-c14f-46ac-9155-980161ebc440.jpg"]
WARMUP, TIMED = 5, 50


def letterbox_640x480(path):
    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    s = min(640 / w, 480 / h)
    nw, nh = round(w * s), round(h * s)
    out = cv2.copyMakeBorder(cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA),
                             (480 - nh) // 2, 480 - nh - (480 - nh) // 2,
                             (640 - nw) // 2, 640 - nw - (640 - nw) // 2, cv2.BORDER_CONSTANT, value=0)
    assert out.shape == (480, 640, 3)
    return out


def bench(frame, complexity, static):
    with mp.solutions.pose.Pose(static_image_mode=static, model_complexity=complexity,
                                enable_segmentation=False, min_detection_confidence=0.5) as pose:
        for _ in range(WARMUP):
            found = pose.process(frame).pose_landmarks is not None
        ts = []
        for _ in range(TIMED):
            t = time.perf_counter()
            pose.process(frame)
            ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts), found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--testdata", default=os.environ.get("HEADSUP_TESTDATA", ROOT.parent / "shared/testdata"))
    ap.add_argument("--json", help="also write the results to this file")
    a = ap.parse_args()
    frames = {f: letterbox_640x480(pathlib.Path(a.testdata) / f) for f in FRAMES}
    results = []
    print(f"mediapipe {mp.__version__}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"{'complexity':>10} {'mode':>9} {'median ms':>9}  person  frame")
    for complexity in (0, 1):
        for mode in ("tracking", "static"):
            for name, frame in frames.items():
                ms, found = bench(frame, complexity, mode == "static")
                results.append({"model_complexity": complexity, "mode": mode, "frame": name,
                                "median_ms": round(ms, 2), "person": found})
                print(f"{complexity:>10} {mode:>9} {ms:9.1f}  {str(found):6}  {name}")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(
            {"mediapipe": mp.__version__, "frame_size": [640, 480], "warmup": WARMUP, "timed": TIMED,
             "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
