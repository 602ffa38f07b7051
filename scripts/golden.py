"""Golden landmark files from MediaPipe's own Python solution (mp.solutions.pose 0.10.21).

usage: python scripts/golden.py [--update] [--testdata DIR]
Run inside the venv made by scripts/convert_models.sh (it also puts the npm lite model into
the venv's mediapipe package, which model_complexity=0 needs offline).

Writes (with --update) or recomputes and checks (without; exit 1 on a difference > 1e-3):
  tests/golden/mediapipe_lite.json           static_image_mode=True, model_complexity=0
  tests/golden/mediapipe_full.json           static_image_mode=True, model_complexity=1
  tests/golden/mediapipe_full_sequence.json  static_image_mode=False, smooth_landmarks=True,
                                             complexity 1, frames of case1_* and case4_*
Landmarks: 33 rows [x_px, y_px, z, visibility, presence]; x/y in original-image pixels, z as
MediaPipe gives it (normalised), all rounded to 3 decimals; null when nobody is found.
presence is always 0.0 (mp.solutions.pose leaves the field unset; see NOTE).
"""
import argparse
import json
import os
import pathlib
import sys

import cv2
import mediapipe as mp

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests/golden"
STATIC_DIRS = ["side_view", "front_view", "unlicensed/front_neck_grades", "keypoints", "negatives"]
SEQ_DIR, SEQUENCES = "unlicensed/front_neck_grades", ["case1", "case4"]
TOL = 1e-3
NOTE = ("mp.solutions.pose (the Python API) drops the graph option RefineLandmarksFromHeatmap "
        "kernel_size 7 and refines with the proto default kernel 9, while the C++ graph (which the "
        "Rust pipeline follows) uses 7. This moves landmarks by about 1-3 px, which is why the Rust "
        "tests compare against these goldens at 1% of the image diagonal. Images are read with "
        "cv2.imread(IMREAD_COLOR) (8-bit, alpha dropped) and converted to RGB. The presence column is "
        "always 0.0: mp.solutions.pose 0.10.21 leaves NormalizedLandmark.presence unset, so do not "
        "compare it (visibility is set).")
SEQ_NOTE = NOTE + (" Sequence mode: one new Pose object per sequence; frames are fed in sorted order "
                   "with MediaPipe's simulated 30 fps timestamps (33.333 ms apart).")


def load_rgb(path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        sys.exit(f"cannot read {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def record(pose, td, rel):
    """Run one image through a Pose object; returns the per-image JSON record."""
    img = load_rgb(td / rel)
    h, w = img.shape[:2]
    res = pose.process(img)
    lms = None
    if res.pose_landmarks is not None:
        lms = [[round(l.x * w, 3), round(l.y * h, 3), round(l.z, 3), round(l.visibility, 3), round(l.presence, 3)]
               for l in res.pose_landmarks.landmark]
    return {"file": rel, "width": w, "height": h, "person": lms is not None, "landmarks": lms}


def dump(doc):
    """JSON with one image per block and one landmark row per line (diff-friendly)."""
    out = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in doc.items() if k != "images"]
    out.append(' "images": [')
    blocks = []
    for im in doc["images"]:
        head = json.dumps({k: v for k, v in im.items() if k != "landmarks"})[1:-1]
        if im["landmarks"] is None:
            blocks.append(f'  {{{head}, "landmarks": null}}')
        else:
            rows = ",\n".join("   " + json.dumps(r) for r in im["landmarks"])
            blocks.append(f'  {{{head}, "landmarks": [\n{rows}]}}')
    out += [",\n".join(blocks), " ]", "}", ""]
    return "\n".join(out)


def compare(new, path):
    """List of differences between a freshly computed doc and the stored file."""
    if not path.exists():
        return [f"{path} missing (run with --update)"]
    old = json.loads(path.read_text())
    errs = [f"header {k}: {old.get(k)!r} != {v!r}" for k, v in new.items() if k != "images" and old.get(k) != v]
    if [i["file"] for i in old["images"]] != [i["file"] for i in new["images"]]:
        return errs + ["image list differs"]
    for o, n in zip(old["images"], new["images"]):
        for k in ("width", "height", "person", "sequence"):
            if o.get(k) != n.get(k):
                errs.append(f"{n['file']}: {k} {o.get(k)!r} != {n.get(k)!r}")
        if o["landmarks"] and n["landmarks"]:
            d = max(abs(a - b) for ro, rn in zip(o["landmarks"], n["landmarks"]) for a, b in zip(ro, rn))
            if d > TOL + 1e-9:
                errs.append(f"{n['file']}: max landmark difference {d:.4f}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    ap.add_argument("--testdata", default=os.environ.get("HEADSUP_TESTDATA", ROOT.parent / "shared/testdata"))
    a = ap.parse_args()
    td = pathlib.Path(a.testdata)
    assert mp.__version__ == "0.10.21", mp.__version__
    lite = pathlib.Path(mp.__file__).parent / "modules/pose_landmark/pose_landmark_lite.tflite"
    if not lite.exists():
        sys.exit(f"{lite} missing: run scripts/convert_models.sh first (it copies the npm lite model there)")

    files = sorted(p.relative_to(td).as_posix() for d in STATIC_DIRS for p in (td / d).rglob("*")
                   if p.suffix.lower() in (".jpg", ".png"))
    docs = {}
    for name, complexity in (("lite", 0), ("full", 1)):
        with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=complexity,
                                    enable_segmentation=False, min_detection_confidence=0.5) as pose:
            images = [record(pose, td, f) for f in files]
        docs[f"mediapipe_{name}.json"] = {
            "generator": "scripts/golden.py", "mediapipe": mp.__version__,
            "api": "mp.solutions.pose static_image_mode=True (heatmap refinement kernel 9, see README)",
            "model": name, "note": NOTE, "images": images}

    images = []
    for seq in SEQUENCES:
        frames = sorted(p.relative_to(td).as_posix() for p in (td / SEQ_DIR).glob(f"{seq}_*.jpg"))
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
                                    enable_segmentation=False, min_detection_confidence=0.5) as pose:
            images += [dict(record(pose, td, f), sequence=seq) for f in frames]
    docs["mediapipe_full_sequence.json"] = {
        "generator": "scripts/golden.py", "mediapipe": mp.__version__,
        "api": "mp.solutions.pose static_image_mode=False smooth_landmarks=True (heatmap refinement kernel 9, see README)",
        "model": "full", "note": SEQ_NOTE, "images": images}

    failed = False
    for fname, doc in docs.items():
        path = GOLDEN / fname
        missing = [i["file"] for i in doc["images"] if not i["person"]]
        print(f"{fname}: {len(doc['images'])} images, no person in {len(missing)}: {', '.join(missing) or '-'}")
        if a.update:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path.write_text(dump(doc))
        else:
            errs = compare(doc, path)
            failed |= bool(errs)
            print("\n".join(f"  DIFF {e}" for e in errs) or "  matches")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
