#!/usr/bin/env bash
# Convert MediaPipe BlazePose (.tflite) to the ONNX files in models/.
#
#   bash scripts/convert_models.sh            # detector + lite + full (committed files)
#   bash scripts/convert_models.sh --heavy    # also models/pose_landmark_heavy.onnx (git-ignored)
#
# Recipe: shared/reference/blazepose.md sections 1-3, 6 and Appendix C.
#  1. venv with pinned packages (scripts/requirements-models.txt = pip freeze of the tested env)
#  2. sources: mediapipe 0.10.21 wheel (detector, full) + npm @mediapipe/pose (lite, heavy),
#     checked against the sha256s below
#  3. densify the detector's sparse weights, convert with tf2onnx (opset 13)
#  4. prune the unused segmentation output Identity_2 from the landmark models
#  5. parity check vs. TFLite (models/PARITY.md), models/SHA256SUMS
# Scratch files live in ${HEADSUP_BUILD:-target/model-build}. Needs python3.11, npm, network
# access to PyPI and npm. tf2onnx output is not byte-reproducible: compare outputs, not hashes.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${HEADSUP_BUILD:-target/model-build}
HEAVY=0
for a in "$@"; do
  case $a in
    --heavy) HEAVY=1 ;;
    *) echo "usage: $0 [--heavy]" >&2; exit 2 ;;
  esac
done

MP_VERSION=0.10.21
NPM_PKG=@mediapipe/pose@0.5.1675469404
VENV=$BUILD/venv
DL=$BUILD/download
TFL=$BUILD/tflite
RAW=$BUILD/onnx-raw
mkdir -p "$DL" "$TFL" "$RAW" models

# --- 1. Python environment (reinstalled only when the requirements file changes) -----------
if [[ ! -x $VENV/bin/python ]]; then python3 -m venv "$VENV"; fi
PY=$VENV/bin/python
REQ_SUM=$(sha256sum scripts/requirements-models.txt | cut -d' ' -f1)
if [[ ! -f $VENV/.requirements.sha256 || $(cat "$VENV/.requirements.sha256") != "$REQ_SUM" ]]; then
  "$PY" -m pip install --disable-pip-version-check -q -r scripts/requirements-models.txt
  echo "$REQ_SUM" > "$VENV/.requirements.sha256"
fi

# --- 2. Source models ---------------------------------------------------------------------
WHL=$DL/mediapipe-$MP_VERSION-cp311-cp311-manylinux_2_28_x86_64.whl
[[ -f $WHL ]] || "$PY" -m pip download --disable-pip-version-check -q --no-deps \
  --only-binary=:all: "mediapipe==$MP_VERSION" -d "$DL"
TGZ=$DL/mediapipe-pose-0.5.1675469404.tgz
[[ -f $TGZ ]] || npm pack --silent --pack-destination "$DL" "$NPM_PKG" >/dev/null

unzip -o -q -j -d "$TFL" "$WHL" \
  mediapipe/modules/pose_detection/pose_detection.tflite \
  mediapipe/modules/pose_landmark/pose_landmark_full.tflite
unzip -o -q -p "$WHL" "mediapipe-$MP_VERSION.dist-info/LICENSE" > models/LICENSE-mediapipe-Apache-2.0.txt
mkdir -p "$BUILD/npm"
tar -xzf "$TGZ" -C "$BUILD/npm" package/pose_landmark_lite.tflite package/pose_landmark_full.tflite \
  package/pose_landmark_heavy.tflite package/package.json
cp "$BUILD/npm/package/pose_landmark_lite.tflite" "$BUILD/npm/package/pose_landmark_heavy.tflite" "$TFL/"

# Source checksums (blazepose.md section 1). npm's full must equal the wheel's full.
(cd "$TFL" && sha256sum -c --quiet) <<'EOF'
9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c  pose_detection.tflite
e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f  pose_landmark_full.tflite
f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61  pose_landmark_lite.tflite
59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe  pose_landmark_heavy.tflite
EOF
cmp "$TFL/pose_landmark_full.tflite" "$BUILD/npm/package/pose_landmark_full.tflite"
echo "source .tflite checksums OK"

# mp.solutions.pose downloads lite/heavy from GCS at run time (fails offline); it skips files
# that already exist, so put the npm copies into the venv's mediapipe (used by golden.py, bench).
MP_DIR=$("$PY" -c 'import mediapipe, os; print(os.path.dirname(mediapipe.__file__))')
cp "$TFL/pose_landmark_lite.tflite" "$TFL/pose_landmark_heavy.tflite" "$MP_DIR/modules/pose_landmark/"

# --- 3. Densify the detector, convert ------------------------------------------------------
export TF_CPP_MIN_LOG_LEVEL=2
"$PY" scripts/densify_tflite.py "$TFL/pose_detection.tflite" "$TFL/pose_detection_dense.tflite"
convert() {  # convert <in.tflite> <out.onnx>
  "$PY" -m tf2onnx.convert --tflite "$1" --output "$2" --opset 13 > "$2.log" 2>&1 \
    || { cat "$2.log" >&2; exit 1; }
  echo "converted $1 -> $2"
}
convert "$TFL/pose_detection_dense.tflite" "$RAW/pose_detection.onnx"
cp "$RAW/pose_detection.onnx" models/pose_detection.onnx

MODELS=(lite full)
[[ $HEAVY == 1 ]] && MODELS+=(heavy)
for m in "${MODELS[@]}"; do
  convert "$TFL/pose_landmark_$m.tflite" "$RAW/pose_landmark_$m.onnx"
  # --- 4. Prune the segmentation head (Identity_2), keep everything else (Appendix C) -----
  "$PY" - "$RAW/pose_landmark_$m.onnx" "models/pose_landmark_$m.onnx" <<'EOF'
import sys, onnx.utils
onnx.utils.extract_model(sys.argv[1], sys.argv[2], ["input_1"],
                         ["Identity", "Identity_1", "Identity_3", "Identity_4"])
print(f"pruned Identity_2 -> {sys.argv[2]}")
EOF
done

# --- 5. Parity vs TFLite, checksums --------------------------------------------------------
"$PY" scripts/parity.py --build "$BUILD"
(cd models && sha256sum pose_detection.onnx pose_landmark_lite.onnx pose_landmark_full.onnx > SHA256SUMS)
cat models/SHA256SUMS
if [[ $HEAVY == 1 ]]; then
  # heavy is git-ignored: its hash goes into one line of models/README.md, not SHA256SUMS.
  H=$(sha256sum models/pose_landmark_heavy.onnx | cut -d' ' -f1)
  S=$(stat -c %s models/pose_landmark_heavy.onnx)
  sed -i "s|^- Last local \`--heavy\` build:.*|- Last local \`--heavy\` build: sha256 \`$H\`, $S bytes ($(date -u +%F))|" models/README.md
  echo "heavy: $H  $S bytes"
fi
for f in models/*.onnx; do
  s=$(stat -c %s "$f")
  [[ $f == *heavy* || $s -lt $((20 * 1024 * 1024)) ]] || { echo "$f is over 20 MiB" >&2; exit 1; }
done
echo "done"
