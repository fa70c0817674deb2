"""Object detectors: NanoDet (the default, COCO-80) and a user's own Ultralytics YOLOv8/YOLO11 export.

Pre- and post-processing are pure numpy functions (resize, letterbox, GFL and YOLOv8 decoding, NMS), kept
apart from the onnxruntime call so that each can be tested on synthetic arrays. A detector takes an RGB
uint8 H×W×3 image and returns `Detection`s with boxes normalised to that image, best first.

The NanoDet facts (BGR, mean/std, stretch to 416, GFL head, NMS 0.5) were measured in
models/convert/REPORT.md; its reference decoder is models/convert/decode_reference.py.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Detection
from vigil.perception.coco import COCO_LABELS
from vigil.perception.onnx_runtime import ModelLoadError, make_session

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]

MODELS_DIR = Path(__file__).resolve().parents[3] / "models" / "onnx"
DEFAULT_NANODET = MODELS_DIR / "nanodet.onnx"


class ObjectDetector(Protocol):
    """Finds labelled boxes in one RGB uint8 H×W×3 image; boxes normalised to that image, best first."""

    name: str

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]: ...


# ---------------------------------------------------------------------------------------------------------
# Resizing and placement
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Placement:
    """Where the original image sits in the model input: input px = original px × scale + pad."""

    scale_x: float
    scale_y: float
    pad_x: float = 0.0
    pad_y: float = 0.0

    def to_original(self, boxes: FloatArray) -> FloatArray:
        """[N, 4] x1, y1, x2, y2 in input pixels → original-image pixels."""
        offset = np.array([self.pad_x, self.pad_y, self.pad_x, self.pad_y], dtype=np.float32)
        scale = np.array([self.scale_x, self.scale_y, self.scale_x, self.scale_y], dtype=np.float32)
        return ((boxes - offset) / scale).astype(np.float32)


@lru_cache(maxsize=32)
def _axis_taps(n_in: int, n_out: int) -> tuple[IntArray, FloatArray]:
    """Source indices and weights, both [n_out, taps], to resample one axis from n_in to n_out samples.

    Shrinking averages the source pixels each output pixel covers (area, like OpenCV's INTER_AREA);
    enlarging interpolates linearly between the two nearest source pixel centres.
    """
    scale = n_in / n_out
    out = np.arange(n_out, dtype=np.float64)
    if scale > 1.0:
        start = out * scale
        first = np.floor(start).astype(np.int64)
        index = first[:, None] + np.arange(math.ceil(scale) + 1, dtype=np.int64)[None, :]
        low = np.maximum(index, start[:, None])
        high = np.minimum(index + 1, start[:, None] + scale)
        weight = np.clip(high - low, 0.0, None) / scale
    else:
        source = np.clip((out + 0.5) * scale - 0.5, 0.0, n_in - 1)
        first = np.floor(source).astype(np.int64)
        fraction = source - first
        index = np.stack([first, first + 1], axis=1)
        weight = np.stack([1.0 - fraction, fraction], axis=1)
    index = np.minimum(index, n_in - 1)
    index.setflags(write=False)
    weight32 = weight.astype(np.float32)
    weight32.setflags(write=False)
    return index, weight32


def resize(image: NDArray[Any], width: int, height: int) -> FloatArray:
    """H×W×C image → height×width×C float32 (area where it shrinks, linear where it grows).

    Each axis is a weighted sum of a few gathered source rows or columns; the channels are folded into the
    columns so that numpy works on long contiguous rows. Columns go first, gathered from the source in its
    own type (uint8 for frames: a quarter of float32's memory traffic) and converted after the gather: 1.5-2×
    faster than converting the whole frame first, the same values to float32 rounding.
    """
    h, w, channels = image.shape
    if w != width:
        index, weight = _axis_taps(w, width)
        # column j, channel c of the folded H×(W·C) array is flat column j·C + c
        folded = index[:, None, :] * channels + np.arange(channels)[None, :, None]
        taps = index.shape[1]
        cols = _weighted_taps(
            image.reshape(h, w * channels),
            folded.reshape(-1, taps),
            np.repeat(weight, channels, axis=0),
            axis=1,
        )
        data = cols.reshape(h, width, channels)
    else:
        data = image.astype(np.float32)
    if h != height:
        index, weight = _axis_taps(h, height)
        rows = _weighted_taps(data.reshape(h, width * channels), index, weight, axis=0)
        data = rows.reshape(height, width, channels)
    return data


def _weighted_taps(flat: NDArray[Any], index: IntArray, weight: FloatArray, axis: int) -> FloatArray:
    """Σ over taps of weight[:, tap] × flat gathered at index[:, tap] along `axis` (0: rows, 1: columns),
    in float32 whatever `flat`'s type."""
    total: FloatArray | None = None
    for tap in range(index.shape[1]):
        part = np.take(flat, index[:, tap], axis=axis).astype(np.float32, copy=False)
        part *= weight[:, tap, None] if axis == 0 else weight[None, :, tap]
        if total is None:
            total = part
        else:
            total += part
    assert total is not None
    return total


def stretch(image: NDArray[Any], width: int, height: int) -> tuple[FloatArray, Placement]:
    """Resize to width×height ignoring the aspect ratio."""
    h, w = image.shape[:2]
    return resize(image, width, height), Placement(scale_x=width / w, scale_y=height / h)


def letterbox(
    image: NDArray[Any], width: int, height: int, pad_value: float = 114.0
) -> tuple[FloatArray, Placement]:
    """Fit into width×height keeping the aspect ratio, centred, padded with `pad_value` (as Ultralytics)."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    left, top = round((width - new_w) / 2 - 0.1), round((height - new_h) / 2 - 0.1)
    canvas = np.full((height, width, image.shape[2]), pad_value, dtype=np.float32)
    canvas[top : top + new_h, left : left + new_w] = resize(image, new_w, new_h)
    return canvas, Placement(scale_x=scale, scale_y=scale, pad_x=float(left), pad_y=float(top))


# ---------------------------------------------------------------------------------------------------------
# Non-maximum suppression
# ---------------------------------------------------------------------------------------------------------
def nms(boxes: FloatArray, scores: FloatArray, iou_threshold: float) -> IntArray:
    """Greedy NMS over [N, 4] x1, y1, x2, y2 boxes: indices kept, best score first.

    A box is dropped when its IoU with a kept, better box is above `iou_threshold`.
    """
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.clip(x2 - x1, 0.0, None) * np.clip(y2 - y1, 0.0, None)
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        inter_w = np.clip(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0.0, None)
        inter_h = np.clip(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0.0, None)
        inter = inter_w * inter_h
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: FloatArray, scores: FloatArray, classes: IntArray, iou_threshold: float) -> IntArray:
    """NMS within each class: boxes of different classes never suppress each other."""
    if boxes.shape[0] == 0:
        return np.zeros((0,), dtype=np.int64)
    span = float(boxes.max() - boxes.min()) + 1.0
    shifted = boxes + (classes.astype(np.float32) * span)[:, None]
    return nms(shifted.astype(np.float32), scores, iou_threshold)


# ---------------------------------------------------------------------------------------------------------
# NanoDet-m 416 (Generalized Focal Loss head)
# ---------------------------------------------------------------------------------------------------------
NANODET_MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
NANODET_STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)
GFL_BINS = 11  # reg_max 10: distances 0..10 strides per side


def nanodet_input(image_rgb: NDArray[np.uint8], size: int = 416) -> tuple[FloatArray, Placement]:
    """RGB image → NanoDet's NCHW float32 input: stretched to size×size, BGR, (x − mean) / std."""
    resized, placement = stretch(image_rgb, size, size)
    planes = np.ascontiguousarray(resized.transpose(2, 0, 1)[::-1])  # RGB H×W×3 → BGR 3×H×W
    planes -= NANODET_MEAN_BGR[:, None, None]
    planes /= NANODET_STD_BGR[:, None, None]
    return planes[None], placement


def gfl_distances(logits: FloatArray, bins: int = GFL_BINS) -> FloatArray:
    """[N, 4·bins] box logits → [N, 4] distances (left, top, right, bottom) in strides.

    Each side is a distribution over the distances 0..bins−1: softmax over its bins, then the expected
    value Σ k·p_k.
    """
    per_side = logits.reshape(-1, 4, bins).astype(np.float32)
    per_side = per_side - per_side.max(axis=2, keepdims=True)
    weights = np.exp(per_side)
    weights /= weights.sum(axis=2, keepdims=True)
    distances: FloatArray = (weights @ np.arange(bins, dtype=np.float32)).astype(np.float32)
    return distances


def grid_centres(side: int, stride: int, offset: float = 0.5) -> FloatArray:
    """[side², 2] x, y centres in input pixels of a side×side feature map, cells in row-major order."""
    rows, cols = np.divmod(np.arange(side * side), side)
    return ((np.stack([cols, rows], axis=1) + offset) * stride).astype(np.float32)


def decode_nanodet(
    outputs: Sequence[NDArray[Any]],
    input_size: int,
    score_threshold: float,
    max_candidates: int = 1000,
    bins: int = GFL_BINS,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """NanoDet's outputs → candidate boxes (x1, y1, x2, y2 in input px), scores and class indices, best first.

    `outputs` holds, per level, class probabilities [1, H·W, classes] (sigmoid already applied in the graph)
    and box logits [1, H·W, 4·bins], in any order: they are matched by shape; the level's stride is
    input_size / W. Only cells whose best class reaches `score_threshold` are decoded.
    """
    levels: dict[int, dict[str, NDArray[Any]]] = {}
    for output in outputs:
        cells, channels = output.shape[-2], output.shape[-1]
        side = math.isqrt(cells)
        if side * side != cells or input_size % side:
            raise ValueError(f"output {output.shape} is not a square feature map of a {input_size} px input")
        kind = "box" if channels == 4 * bins else "cls"
        levels.setdefault(input_size // side, {})[kind] = output.reshape(cells, channels)
    all_boxes, all_scores, all_classes = [], [], []
    for stride, level in sorted(levels.items()):
        if set(level) != {"box", "cls"}:
            raise ValueError(f"stride {stride} lacks class scores or box logits (got {sorted(level)})")
        probs = level["cls"]
        classes = probs.argmax(axis=1)
        scores = probs[np.arange(probs.shape[0]), classes].astype(np.float32)
        cells = np.flatnonzero(scores >= score_threshold)
        distances = gfl_distances(level["box"][cells], bins) * stride
        centres = grid_centres(input_size // stride, stride)[cells]
        all_boxes.append(np.concatenate([centres - distances[:, :2], centres + distances[:, 2:]], axis=1))
        all_scores.append(scores[cells])
        all_classes.append(classes[cells].astype(np.int64))
    boxes = np.concatenate(all_boxes).astype(np.float32)
    scores = np.concatenate(all_scores)
    order = np.argsort(-scores, kind="stable")[:max_candidates]
    return boxes[order], scores[order], np.concatenate(all_classes)[order]


# ---------------------------------------------------------------------------------------------------------
# Ultralytics YOLOv8 / YOLO11 detection exports
# ---------------------------------------------------------------------------------------------------------
def decode_yolov8(
    output: NDArray[Any], score_threshold: float, max_candidates: int = 30000
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Output [1, 4 + classes, N] (or without the batch axis) → boxes (x1, y1, x2, y2 input px), scores,
    class indices, best first. Rows 0-3 are cx, cy, w, h in input pixels, the rest class scores."""
    prediction = np.asarray(output, dtype=np.float32)
    if prediction.ndim == 3:
        if prediction.shape[0] != 1:
            raise ValueError(f"expected a batch of one, got output of shape {prediction.shape}")
        prediction = prediction[0]
    if prediction.ndim != 2 or prediction.shape[0] < 5:
        raise ValueError(f"expected output of shape (1, 4 + classes, N), got {np.shape(output)}")
    class_scores = prediction[4:]
    classes = class_scores.argmax(axis=0)
    scores = class_scores[classes, np.arange(class_scores.shape[1])]
    keep = np.flatnonzero(scores >= score_threshold)
    keep = keep[np.argsort(-scores[keep], kind="stable")][:max_candidates]
    cx, cy, w, h = prediction[:4, keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1).astype(np.float32)
    return boxes, scores[keep].astype(np.float32), classes[keep].astype(np.int64)


def parse_names(text: str | None) -> list[str] | None:
    """Class names from Ultralytics' `names` metadata ("{0: 'person', 1: 'bicycle'}"); None if unusable."""
    if not text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, dict) and value and all(isinstance(k, int) and k >= 0 for k in value):
        return [str(value.get(i, f"class_{i}")) for i in range(max(value) + 1)]
    if isinstance(value, list | tuple) and value:
        return [str(name) for name in value]
    return None


# ---------------------------------------------------------------------------------------------------------
# Shared output step
# ---------------------------------------------------------------------------------------------------------
def to_detections(
    boxes: FloatArray, scores: FloatArray, labels: Sequence[str], width: int, height: int
) -> list[Detection]:
    """Original-pixel boxes → Detections normalised to a width×height image, clipped to it.

    Boxes that have no area left inside the image are dropped.
    """
    size = np.array([width, height, width, height], dtype=np.float32)
    normalised = np.clip(boxes / size, 0.0, 1.0)
    return [
        Detection(label=label, conf=float(score), box=Box(float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        for b, score, label in zip(normalised, scores, labels, strict=True)
        if b[2] > b[0] and b[3] > b[1]
    ]


def _check_image(image_rgb: NDArray[np.uint8]) -> None:
    if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.shape[0] < 1 or image_rgb.shape[1] < 1:
        raise ValueError(f"expected an RGB image H×W×3, got shape {image_rgb.shape}")


class NanoDetDetector:
    """NanoDet-m 416 on COCO-80 (Apache-2.0), the default object detector.

    People need `person_threshold`, every other class `conf_threshold`; `labels` keeps only those classes
    (None: all 80). Boxes of one class overlapping by more than `iou` are merged (NMS).
    """

    def __init__(
        self,
        model_path: Path = DEFAULT_NANODET,
        conf_threshold: float = 0.5,
        person_threshold: float = 0.5,
        iou: float = 0.5,
        labels: set[str] | None = None,
        *,
        threads: int = 1,
        device: str = "cpu",
    ) -> None:
        unknown = sorted((labels or set()) - set(COCO_LABELS))
        if unknown:
            raise ValueError(f"not COCO labels: {unknown}; choose from vigil.perception.coco.COCO_LABELS")
        self.name = "nanodet"
        self.iou = iou
        self.labels = COCO_LABELS
        self._session = make_session(model_path, threads, device)
        model_input = self._session.get_inputs()[0]
        shape = list(model_input.shape)
        outputs = len(self._session.get_outputs())
        if len(shape) != 4 or shape[1] != 3 or shape[2] != shape[3] or not isinstance(shape[2], int):
            raise ModelLoadError(f"{model_path} does not look like NanoDet: input {shape}, not [1, 3, N, N]")
        if outputs != 6:
            raise ModelLoadError(f"{model_path} does not look like NanoDet: {outputs} outputs, not 6")
        self._input_name: str = model_input.name
        self.input_size: int = shape[2]
        wanted = set(COCO_LABELS) if labels is None else labels
        self._wanted = np.array([label in wanted for label in COCO_LABELS])
        thresholds = np.full(len(COCO_LABELS), conf_threshold, dtype=np.float32)
        thresholds[COCO_LABELS.index("person")] = person_threshold
        self._thresholds = thresholds
        self._min_threshold = float(thresholds[self._wanted].min()) if self._wanted.any() else 1.0

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]:
        _check_image(image_rgb)
        tensor, placement = nanodet_input(image_rgb, self.input_size)
        outputs = self._session.run(None, {self._input_name: tensor})
        boxes, scores, classes = decode_nanodet(outputs, self.input_size, self._min_threshold)
        passing = self._wanted[classes] & (scores >= self._thresholds[classes])
        boxes, scores, classes = placement.to_original(boxes[passing]), scores[passing], classes[passing]
        keep = batched_nms(boxes, scores, classes, self.iou)
        height, width = image_rgb.shape[:2]
        names = [self.labels[int(c)] for c in classes[keep]]
        return to_detections(boxes[keep], scores[keep], names, width, height)


_ONNX_FLOAT_TYPES: dict[str, type[np.floating[Any]]] = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
}


def onnx_float_type(onnx_type: str) -> type[np.floating[Any]]:
    """numpy type for an ONNX input type such as "tensor(float16)"."""
    try:
        return _ONNX_FLOAT_TYPES[onnx_type]
    except KeyError:
        raise ValueError(f"unsupported model input type {onnx_type}; expected a float tensor") from None


class YoloV8Detector:
    """A user's Ultralytics YOLOv8 / YOLO11 detection export (`yolo export model=yolov8n.pt format=onnx`).

    Input: letterboxed (centred, grey 114) to the size the ONNX declares, RGB / 255, NCHW, in the model's
    float type (float32 or float16). Output (1, 4 + classes, N): cx, cy, w, h in input pixels and one score
    per class. Class names come from the export's `names` metadata, else `labels`, else `class_<i>`.
    """

    def __init__(
        self,
        model_path: Path,
        labels: list[str] | None = None,
        conf_threshold: float = 0.25,
        iou: float = 0.45,
        *,
        threads: int = 1,
        max_detections: int = 300,
        device: str = "cpu",
    ) -> None:
        self.name = f"yolov8:{model_path.name}"
        self.conf_threshold = conf_threshold
        self.iou = iou
        self.max_detections = max_detections
        self._session = make_session(model_path, threads, device)
        model_input = self._session.get_inputs()[0]
        metadata: dict[str, str] = dict(self._session.get_modelmeta().custom_metadata_map)
        try:
            self._input_type = onnx_float_type(model_input.type)
        except ValueError as error:
            raise ModelLoadError(f"{model_path}: {error}") from None
        self._input_name: str = model_input.name
        self.input_width, self.input_height = _input_size(list(model_input.shape), metadata.get("imgsz"))
        output_shape = list(self._session.get_outputs()[0].shape)
        classes = output_shape[1] - 4 if len(output_shape) == 3 and isinstance(output_shape[1], int) else None
        names = parse_names(metadata.get("names")) or labels
        if names is not None and classes is not None and len(names) != classes:
            raise ModelLoadError(
                f"{model_path} has {classes} classes but {len(names)} class names were "
                f"{'given' if names is labels else 'in its metadata'}"
            )
        if names is None:
            names = [f"class_{i}" for i in range(classes or 0)]
        self.labels: list[str] = names

    def _label(self, index: int) -> str:
        return self.labels[index] if index < len(self.labels) else f"class_{index}"

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]:
        _check_image(image_rgb)
        canvas, placement = letterbox(image_rgb, self.input_width, self.input_height)
        planes = np.ascontiguousarray(canvas.transpose(2, 0, 1))
        planes /= 255.0
        tensor = planes[None].astype(self._input_type, copy=False)
        output = self._session.run(None, {self._input_name: tensor})[0]
        boxes, scores, classes = decode_yolov8(output, self.conf_threshold)
        boxes = placement.to_original(boxes)
        keep = batched_nms(boxes, scores, classes, self.iou)[: self.max_detections]
        height, width = image_rgb.shape[:2]
        names = [self._label(int(c)) for c in classes[keep]]
        return to_detections(boxes[keep], scores[keep], names, width, height)


def _input_size(shape: list[Any], imgsz: str | None) -> tuple[int, int]:
    """(width, height) of a YOLO input [1, 3, H, W]; from the `imgsz` metadata if the export is dynamic."""
    if len(shape) == 4 and isinstance(shape[2], int) and isinstance(shape[3], int):
        return shape[3], shape[2]
    if imgsz:
        try:
            value = ast.literal_eval(imgsz)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, int):
            return value, value
        if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
            return int(value[1]), int(value[0])
    return 640, 640
