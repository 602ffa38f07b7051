"""Golden landmark files from MediaPipe 0.10.21's own C++ pose graph (default) or, for
comparison, from its Python solution mp.solutions.pose (--api solutions).

usage: python scripts/golden.py [--update] [--api graph|solutions] [--testdata DIR]
Run inside the venv made by scripts/convert_models.sh (it also puts the npm lite model into
the venv's mediapipe package, which model_complexity=0 needs offline).

--api graph (default): the wheel's mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb,
  loaded unmodified with CalculatorGraph(binary_graph_path=...). Its fully expanded config keeps
  RefineLandmarksFromHeatmapCalculator kernel_size 7 (the value the Rust pipeline follows).
  Side packets: model_complexity (int: 0 lite, 1 full), smooth_landmarks, use_prev_landmarks,
  enable_segmentation=False, smooth_segmentation=False (bools). Detection and tracking thresholds
  are the graph's own (0.5 each).
--api solutions: mp.solutions.pose, which rebuilds the config in Python and drops that option, so
  it refines with the proto default kernel 9 (landmarks move by ~1-3 px, up to ~40 px on a few).
  Only for comparison; without --update it checks the stored goldens and will report differences.

Writes (with --update) or recomputes and checks (without; exit 1 on a difference > 1e-3):
  tests/golden/mediapipe_lite.json           static: a fresh graph per image, smooth_landmarks=False,
                                             use_prev_landmarks=False, model_complexity=0
  tests/golden/mediapipe_full.json           the same with model_complexity=1
  tests/golden/mediapipe_full_sequence.json  tracking: smooth_landmarks=True, use_prev_landmarks=True,
                                             complexity 1, frames of case1_* then case4_* (sorted), a
                                             fresh graph per case, timestamps 33333 us apart starting
                                             at 33333 us (frame n at (n+1)/30 s)
Landmarks: 33 rows [x_px, y_px, z, visibility, presence]; x/y in original-image pixels, z as
MediaPipe gives it (normalised), all rounded to 3 decimals; null when nobody is found.
world (graph api only): 33 rows [x, y, z] of pose_world_landmarks in metres, 4 decimals.
presence is set by the C++ graph; mp.solutions.pose leaves it unset (0.0).
"""
import argparse
import json
import os
import pathlib
import sys

import cv2
import mediapipe as mp
from mediapipe.python import packet_creator, packet_getter
from mediapipe.python._framework_bindings import calculator_graph, image_frame, resource_util

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests/golden"
STATIC_DIRS = ["side_view", "front_view", "unlicensed/front_neck_grades", "keypoints", "negatives"]
SEQ_DIR, SEQUENCES = "unlicensed/front_neck_grades", ["case1", "case4"]
TOL = 1e-3
GRAPH_API = ("C++ graph mediapipe/modules/pose_landmark/pose_landmark_cpu.binarypb via "
             "CalculatorGraph(binary_graph_path=...), heatmap refinement kernel 7")
GRAPH_NOTE = ("Made by MediaPipe's own C++ pose graph, loaded unmodified from the wheel's "
              "pose_landmark_cpu.binarypb (the expanded config keeps RefineLandmarksFromHeatmap "
              "kernel_size 7, as the Rust pipeline does). mp.solutions.pose (the Python API) rebuilds "
              "this config in Python, drops that option and refines with the proto default kernel 9, "
              "which moves landmarks by about 1-3 px (up to ~40 px on a few landmarks); run "
              "scripts/golden.py --api solutions to see it. Images are read with "
              "cv2.imread(IMREAD_COLOR) (8-bit, alpha dropped), converted to RGB and fed as SRGB "
              "ImageFrame packets. presence is the graph's sigmoid(presence) output; world holds "
              "pose_world_landmarks in metres.")
GRAPH_STATIC_NOTE = GRAPH_NOTE + (" Static mode: a fresh graph per image with side packets "
                                  "model_complexity, smooth_landmarks=False, use_prev_landmarks=False, "
                                  "enable_segmentation=False, one packet at timestamp 33333 us.")
GRAPH_SEQ_NOTE = GRAPH_NOTE + (" Sequence mode: a fresh graph per sequence with smooth_landmarks=True, "
                               "use_prev_landmarks=True, model_complexity=1, enable_segmentation=False; "
                               "frames fed in sorted order at timestamps (n+1)*33333 us.")
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


class Graph:
    """The wheel's pose_landmark_cpu.binarypb as a C++ CalculatorGraph (no config changes)."""

    def __init__(self, complexity, smooth, use_prev):
        root = pathlib.Path(mp.__file__).parent
        resource_util.set_resource_dir(str(root.parent))  # model paths in the graph start with mediapipe/
        self.g = calculator_graph.CalculatorGraph(
            binary_graph_path=str(root / "modules/pose_landmark/pose_landmark_cpu.binarypb"))
        self.out = {}
        for name in ("pose_landmarks", "pose_world_landmarks"):
            self.g.observe_output_stream(name, self._on_packet)
        self.g.start_run({
            "model_complexity": packet_creator.create_int(complexity),
            "smooth_landmarks": packet_creator.create_bool(smooth),
            "use_prev_landmarks": packet_creator.create_bool(use_prev),
            "enable_segmentation": packet_creator.create_bool(False),
            "smooth_segmentation": packet_creator.create_bool(False)})
        self.ts = 0

    def _on_packet(self, name, packet):
        if not packet.is_empty():
            self.out[name] = packet_getter.get_proto(packet)

    def process(self, img):
        """Feeds one RGB image; returns (pose_landmarks, pose_world_landmarks) protos or Nones."""
        self.out.clear()
        self.ts += 33333
        frame = packet_creator.create_image_frame(data=img, image_format=image_frame.ImageFormat.SRGB)
        self.g.add_packet_to_input_stream("image", frame.at(self.ts))
        self.g.wait_until_idle()
        return self.out.get("pose_landmarks"), self.out.get("pose_world_landmarks")

    def close(self):
        self.g.close()


def record_graph(graph, td, rel):
    """Run one image through a Graph; returns the per-image JSON record."""
    img = load_rgb(td / rel)
    h, w = img.shape[:2]
    lm, world = graph.process(img)
    lms = wl = None
    if lm is not None and len(lm.landmark):
        lms = [[round(l.x * w, 3), round(l.y * h, 3), round(l.z, 3), round(l.visibility, 3), round(l.presence, 3)]
               for l in lm.landmark]
        assert len(lms) == 33, len(lms)
        if world is not None:
            wl = [[round(l.x, 4), round(l.y, 4), round(l.z, 4)] for l in world.landmark]
    rec = {"file": rel, "width": w, "height": h, "person": lms is not None, "landmarks": lms}
    if lms is not None:
        rec["world"] = wl
    return rec


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
        head = json.dumps({k: v for k, v in im.items() if k not in ("landmarks", "world")})[1:-1]
        parts = []
        for key in ("landmarks", "world"):
            if key not in im:
                continue
            if im[key] is None:
                parts.append(f'"{key}": null')
            else:
                rows = ",\n".join("   " + json.dumps(r) for r in im[key])
                parts.append(f'"{key}": [\n{rows}]')
        blocks.append(f'  {{{head}, ' + ", ".join(parts) + "}")
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
        for key in ("landmarks", "world"):
            if (o.get(key) is None) != (n.get(key) is None):
                errs.append(f"{n['file']}: {key} present in only one")
            elif o.get(key) and n.get(key):
                d = max(abs(a - b) for ro, rn in zip(o[key], n[key]) for a, b in zip(ro, rn))
                if d > TOL + 1e-9:
                    errs.append(f"{n['file']}: max {key} difference {d:.4f}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true", help="rewrite the golden files")
    ap.add_argument("--api", choices=("graph", "solutions"), default="graph",
                    help="graph: the C++ pose_landmark_cpu graph (default); solutions: mp.solutions.pose")
    ap.add_argument("--testdata", default=os.environ.get("HEADSUP_TESTDATA", ROOT.parent / "shared/testdata"))
    a = ap.parse_args()
    td = pathlib.Path(a.testdata)
    assert mp.__version__ == "0.10.21", mp.__version__
    lite = pathlib.Path(mp.__file__).parent / "modules/pose_landmark/pose_landmark_lite.tflite"
    if not lite.exists():
        sys.exit(f"{lite} missing: run scripts/convert_models.sh first (it copies the npm lite model there)")

    files = sorted(p.relative_to(td).as_posix() for d in STATIC_DIRS for p in (td / d).rglob("*")
                   if p.suffix.lower() in (".jpg", ".png"))
    docs = graph_docs(td, files) if a.api == "graph" else solutions_docs(td, files)
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


def sequence_frames(td, seq):
    return sorted(p.relative_to(td).as_posix() for p in (td / SEQ_DIR).glob(f"{seq}_*.jpg"))


def graph_docs(td, files):
    docs = {}
    for name, complexity in (("lite", 0), ("full", 1)):
        images = []
        for f in files:  # a fresh graph per image: every image is independent
            g = Graph(complexity, smooth=False, use_prev=False)
            images.append(record_graph(g, td, f))
            g.close()
        docs[f"mediapipe_{name}.json"] = {
            "generator": "scripts/golden.py", "mediapipe": mp.__version__,
            "api": GRAPH_API + ", static (smooth_landmarks=False, use_prev_landmarks=False)",
            "model": name, "note": GRAPH_STATIC_NOTE, "images": images}
    images = []
    for seq in SEQUENCES:
        g = Graph(1, smooth=True, use_prev=True)
        images += [dict(record_graph(g, td, f), sequence=seq) for f in sequence_frames(td, seq)]
        g.close()
    docs["mediapipe_full_sequence.json"] = {
        "generator": "scripts/golden.py", "mediapipe": mp.__version__,
        "api": GRAPH_API + ", tracking (smooth_landmarks=True, use_prev_landmarks=True)",
        "model": "full", "note": GRAPH_SEQ_NOTE, "images": images}
    return docs


def solutions_docs(td, files):
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
        frames = sequence_frames(td, seq)
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=True,
                                    enable_segmentation=False, min_detection_confidence=0.5) as pose:
            images += [dict(record(pose, td, f), sequence=seq) for f in frames]
    docs["mediapipe_full_sequence.json"] = {
        "generator": "scripts/golden.py", "mediapipe": mp.__version__,
        "api": "mp.solutions.pose static_image_mode=False smooth_landmarks=True (heatmap refinement kernel 9, see README)",
        "model": "full", "note": SEQ_NOTE, "images": images}
    return docs


if __name__ == "__main__":
    main()
