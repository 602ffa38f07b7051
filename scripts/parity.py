"""Parity check: every ONNX model in models/ against its original .tflite (tf.lite.Interpreter).

usage: python scripts/parity.py [--build DIR] [--testdata DIR] [--out models/PARITY.md]
Run inside the venv from scripts/convert_models.sh (it calls this script).

Inputs are real test images (side_view, front_view, unlicensed/front_neck_grades), the whole
image letterboxed as in blazepose.md section 6a: 224x224 in [-1,1] with a zero-pixel border for
the detector, 256x256 in [0,1] (replicate border) for the landmark models. For each output we
report the largest absolute difference over all images, and check that the pruned landmark
models (Identity_2 removed) give exactly the same remaining outputs as the unpruned conversion.
Exit status 1 if a difference is over its tolerance.
"""
import argparse
import collections
import datetime
import hashlib
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import cv2
import numpy as np
import onnx
import onnxruntime as ort
import tensorflow as tf
import tf2onnx

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ["side_view", "front_view", "unlicensed/front_neck_grades"]
# Tolerances: about 10x what blazepose.md section 6a measured.
TOL = {"boxes": 0.05, "scores": 0.02, "xyz": 0.1, "vis_pres_sigmoid": 1e-3, "Identity_1": 1e-3,
       "Identity_3": 0.02, "Identity_4": 1e-3}


def letterbox(img_rgb, size, lo, hi, border):
    """Whole image, aspect kept, centred in a size x size square; float NHWC in [lo, hi]."""
    h, w = img_rgb.shape[:2]
    side = max(w, h)
    src = cv2.boxPoints(((w / 2, h / 2), (side, side), 0.0)).astype(np.float32)  # BL, TL, TR, BR
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    out = cv2.warpPerspective(img_rgb, cv2.getPerspectiveTransform(src, dst), (size, size),
                              flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)
    return (out.astype(np.float32) * ((hi - lo) / 255.0) + lo)[None]


def tflite_run(path):
    it = tf.lite.Interpreter(model_path=str(path))
    it.allocate_tensors()
    inp = it.get_input_details()[0]["index"]
    outs = {d["name"]: d["index"] for d in it.get_output_details()}

    def run(x):
        it.set_tensor(inp, x)
        it.invoke()
        return {n: it.get_tensor(i).copy() for n, i in outs.items()}
    return run


def onnx_run(path):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    return lambda x: dict(zip(names, s.run(None, {"input_1": x})))


def sig(v):
    with np.errstate(over="ignore"):  # exp overflow on large negative logits is fine (-> 0)
        return 1 / (1 + np.exp(-v.astype(np.float64)))


def sha256(p):
    return hashlib.sha256(pathlib.Path(p).read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("HEADSUP_BUILD", ROOT / "target/model-build"))
    ap.add_argument("--testdata", default=os.environ.get("HEADSUP_TESTDATA", ROOT.parent / "shared/testdata"))
    ap.add_argument("--out", default=ROOT / "models/PARITY.md")
    a = ap.parse_args()
    build, td = pathlib.Path(a.build), pathlib.Path(a.testdata)
    images = sorted(p for f in FOLDERS for p in (td / f).iterdir() if p.suffix in (".jpg", ".png"))
    rgb = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in images]
    det_in = [letterbox(im, 224, -1.0, 1.0, cv2.BORDER_CONSTANT) for im in rgb]
    lmk_in = [letterbox(im, 256, 0.0, 1.0, cv2.BORDER_REPLICATE) for im in rgb]

    rows, ok = [], True  # rows: (model, quantity, shape, max|diff| vs tflite, max|value|, pruned-vs-raw)

    def add(model, what, shape, diff, vmax, pruned="–", tol=None):
        nonlocal ok
        bad = tol is not None and not diff <= tol
        ok &= not bad
        rows.append((model, what, shape, f"{diff:.3g}" + (" **FAIL**" if bad else ""),
                     f"{vmax:.4g}" if vmax is not None else "–", pruned))

    # Detector (ONNX from the densified model vs the original sparse .tflite).
    ref, onx = tflite_run(build / "tflite/pose_detection.tflite"), onnx_run(ROOT / "models/pose_detection.onnx")
    d = collections.defaultdict(float); vm = collections.defaultdict(float)
    for x in det_in:
        r, o = ref(x), onx(x)
        for n in ("Identity", "Identity_1"):
            d[n] = max(d[n], float(np.abs(r[n] - o[n]).max())); vm[n] = max(vm[n], float(np.abs(r[n]).max()))
    add("pose_detection", "Identity (box + keypoint regressors, 224-px units)", "1×2254×12", d["Identity"], vm["Identity"], tol=TOL["boxes"])
    add("pose_detection", "Identity_1 (score logits)", "1×2254×1", d["Identity_1"], vm["Identity_1"], tol=TOL["scores"])

    # Landmark models: pruned (models/) and raw (unpruned, build dir) ONNX vs .tflite.
    for m in ("lite", "full", "heavy"):
        pruned_path = ROOT / f"models/pose_landmark_{m}.onnx"
        if not pruned_path.exists():
            continue
        name = f"pose_landmark_{m}"
        ref, prn, raw = (tflite_run(build / f"tflite/{name}.tflite"), onnx_run(pruned_path),
                         onnx_run(build / f"onnx-raw/{name}.onnx"))
        d = collections.defaultdict(float); vm = collections.defaultdict(float); pr = collections.defaultdict(float)
        upd = lambda k, diff, v: (d.__setitem__(k, max(d[k], diff)), vm.__setitem__(k, max(vm[k], v)))
        for x in lmk_in:
            r, p, w = ref(x), prn(x), raw(x)
            assert set(p) == {"Identity", "Identity_1", "Identity_3", "Identity_4"}, sorted(p)
            for n in p:
                pr[n] = max(pr[n], float(np.abs(p[n] - w[n]).max()))
            lr, lp = r["Identity"].reshape(39, 5), p["Identity"].reshape(39, 5)
            upd("xyz", float(np.abs(lr[:, :3] - lp[:, :3]).max()), float(np.abs(lr[:, :3]).max()))
            upd("vp", float(np.abs(lr[:, 3:] - lp[:, 3:]).max()), float(np.abs(lr[:, 3:]).max()))
            upd("vps", float(np.abs(sig(lr[:, 3:]) - sig(lp[:, 3:])).max()), 1.0)
            for n in ("Identity_1", "Identity_3", "Identity_4"):
                upd(n, float(np.abs(r[n] - p[n]).max()), float(np.abs(r[n]).max()))
            upd("seg", float(np.abs(r["Identity_2"] - w["Identity_2"]).max()), float(np.abs(r["Identity_2"]).max()))
            upd("segs", float(np.abs(sig(r["Identity_2"]) - sig(w["Identity_2"])).max()), 1.0)
        ex = lambda n: "exact" if pr[n] == 0 else f"{pr[n]:.3g} **FAIL**"
        ok &= all(v == 0 for v in pr.values())
        add(name, "Identity x, y, z (256-px crop units)", "1×195 (39×5)", d["xyz"], vm["xyz"], ex("Identity"), TOL["xyz"])
        add(name, "Identity visibility, presence (logits)", "", d["vp"], vm["vp"])
        add(name, "Identity visibility, presence (after sigmoid)", "", d["vps"], None, tol=TOL["vis_pres_sigmoid"])
        add(name, "Identity_1 (pose flag, already sigmoided)", "1×1", d["Identity_1"], vm["Identity_1"], ex("Identity_1"), TOL["Identity_1"])
        add(name, "Identity_2 (segmentation logits; unpruned ONNX only)", "1×256×256×1", d["seg"], vm["seg"], "pruned")
        add(name, "Identity_2 (after sigmoid; unpruned ONNX only)", "", d["segs"], None, "pruned")
        add(name, "Identity_3 (heatmap logits)", "1×64×64×39", d["Identity_3"], vm["Identity_3"], ex("Identity_3"), TOL["Identity_3"])
        add(name, "Identity_4 (world landmarks, m)", "1×117 (39×3)", d["Identity_4"], vm["Identity_4"], ex("Identity_4"), TOL["Identity_4"])

    # Graph summary of the files in models/.
    graphs = []
    for p in sorted((ROOT / "models").glob("*.onnx")):
        g = onnx.load(str(p))
        ops = collections.Counter(n.op_type for n in g.graph.node)
        opset = next(o.version for o in g.opset_import if o.domain in ("", "ai.onnx"))
        graphs.append((p.name, p.stat().st_size, sha256(p), len(g.graph.node), opset,
                       ", ".join(f"{k} {v}" for k, v in ops.most_common())))

    versions = (f"tensorflow-cpu {tf.__version__} (tf.lite.Interpreter, default XNNPACK delegate), "
                f"onnxruntime {ort.__version__} (CPU), onnx {onnx.__version__}, tf2onnx {tf2onnx.__version__}, "
                f"numpy {np.__version__}, opencv {cv2.__version__}")
    md = [
        "# ONNX vs TFLite parity (generated by `scripts/parity.py`; do not edit)", "",
        f"Generated {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} with {versions}.", "",
        f"Inputs: {len(images)} real images from `{'`, `'.join(FOLDERS)}` (testdata), whole image letterboxed: "
        "224×224 in [-1,1] with zero-pixel border (detector), 256×256 in [0,1] with replicate border (landmarks). "
        "Cells give the largest absolute difference over all images between the ONNX file in `models/` "
        "(onnxruntime) and the original `.tflite` (tf.lite.Interpreter); \"max |value|\" is the largest TFLite "
        "magnitude of that output. The last column compares the pruned landmark model (`Identity_2` removed) "
        "with the unpruned tf2onnx output on the same inputs.", "",
        "| model | output | shape | max abs diff vs TFLite | max \\|value\\| | pruned vs unpruned |",
        "|---|---|---|---|---|---|",
        *[f"| {' | '.join(r)} |" for r in rows], "",
        "## Graphs", "",
        "| file | bytes | sha256 | nodes | opset | ops |", "|---|---|---|---|---|---|",
        *[f"| `{n}` | {s:,} | `{h}` | {k} | {o} | {ops} |" for n, s, h, k, o, ops in graphs], "",
        f"Result: {'PASS' if ok else 'FAIL'}", "",
    ]
    pathlib.Path(a.out).write_text("\n".join(md))
    print("\n".join(md))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
