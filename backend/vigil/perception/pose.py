"""Pose estimation: MoveNet MultiPose Lightning on one crop per detected person.

The person boxes come from the object detector. Each box is grown by `CROP_MARGIN` (20 %) of its width and
height on every side, then widened or heightened around its centre to the crop's aspect ratio (192×256,
W×H), cut out of the frame, resized (numpy, as the detectors) and pasted into a black crop; the part of
the window outside the frame stays black. MoveNet sees one person filling most of its input, so its
quality no longer depends on how small the people are in the frame, and each pose belongs to a detector
box. Measured in models/convert/REPORT.md: on five vtest frames, 192×256 crops found as many people as
the full frame at 512 px (25 of 30), with fuller skeletons, for ~14 ms per person at 2 threads.

MoveNet's own person score is not used as a gate (real, well-posed people score 0.14-0.47 on crops and
small frames); a pose counts when at least `min_keypoints` of its 17 keypoints reach `min_keypoint_conf`.

Geometry (`crop_window`, `cut_crop`, `CropWindow.to_frame`) and decoding (`decode_movenet`,
`pick_candidate`) are pure numpy functions, apart from the onnxruntime call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import COCO_KEYPOINTS, Box, Detection, Keypoint, Pose
from vigil.perception.objects import MODELS_DIR, resize
from vigil.perception.onnx_runtime import ModelLoadError, make_session

FloatArray = NDArray[np.float32]

DEFAULT_MOVENET = MODELS_DIR / "movenet-multipose.onnx"
CROP_MARGIN = 0.2  # of the person box's width/height, added on each side before fitting to the crop aspect
N_KEYPOINTS = len(COCO_KEYPOINTS)


class PoseEstimator(Protocol):
    """Poses of the given people in one RGB uint8 H×W×3 image, normalised to that image."""

    name: str

    def estimate(self, image_rgb: NDArray[np.uint8], people: list[Detection]) -> list[Pose]: ...


# ---------------------------------------------------------------------------------------------------------
# Crop geometry
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CropWindow:
    """Where frame pixels land in the crop.

    crop px = (frame px − (x0, y0)) × (scale_x, scale_y) + (pad_x, pad_y). Frame pixels x0..x1, y0..y1
    (integers, end exclusive, inside the frame) fill the crop's pixels pad_x..pad_x + paste_w,
    pad_y..pad_y + paste_h; the rest of the crop is black.
    """

    crop_w: int
    crop_h: int
    x0: int
    y0: int
    x1: int
    y1: int
    pad_x: int
    pad_y: int
    paste_w: int
    paste_h: int

    @property
    def scale_x(self) -> float:
        return self.paste_w / (self.x1 - self.x0)

    @property
    def scale_y(self) -> float:
        return self.paste_h / (self.y1 - self.y0)

    def to_frame(self, xy_crop: FloatArray) -> FloatArray:
        """[N, 2] x, y in crop pixels → frame pixels."""
        offset = np.array([self.pad_x, self.pad_y], dtype=np.float64)
        scale = np.array([self.scale_x, self.scale_y], dtype=np.float64)
        origin = np.array([self.x0, self.y0], dtype=np.float64)
        return ((xy_crop - offset) / scale + origin).astype(np.float32)

    def to_crop(self, xy_frame: FloatArray) -> FloatArray:
        """[N, 2] x, y in frame pixels → crop pixels."""
        offset = np.array([self.pad_x, self.pad_y], dtype=np.float64)
        scale = np.array([self.scale_x, self.scale_y], dtype=np.float64)
        origin = np.array([self.x0, self.y0], dtype=np.float64)
        return ((xy_frame - origin) * scale + offset).astype(np.float32)


def crop_window(
    box_px: tuple[float, float, float, float],
    frame_w: int,
    frame_h: int,
    crop_w: int,
    crop_h: int,
    margin: float = CROP_MARGIN,
) -> CropWindow | None:
    """The window around a person box (x1, y1, x2, y2 in frame px) that becomes a crop_w×crop_h crop.

    The box grows by `margin` × its width (height) on the left and right (top and bottom), then the shorter
    side grows around the centre until the window has the crop's aspect ratio. The part of the window inside
    the frame is what gets resized into the crop; the rest becomes black padding. None if the window does
    not overlap the frame.
    """
    x1, y1, x2, y2 = box_px
    width = max(x2 - x1, 1.0) * (1.0 + 2.0 * margin)
    height = max(y2 - y1, 1.0) * (1.0 + 2.0 * margin)
    aspect = crop_w / crop_h
    if width / height > aspect:
        height = width / aspect
    else:
        width = height * aspect
    scale = crop_w / width  # crop px per frame px, the same on both axes
    left, top = (x1 + x2) / 2.0 - width / 2.0, (y1 + y2) / 2.0 - height / 2.0
    fx0, fy0 = max(0, math.floor(left)), max(0, math.floor(top))
    fx1, fy1 = min(frame_w, math.ceil(left + width)), min(frame_h, math.ceil(top + height))
    if fx1 <= fx0 or fy1 <= fy0:
        return None
    pad_x = min(max(0, round((fx0 - left) * scale)), crop_w - 1)
    pad_y = min(max(0, round((fy0 - top) * scale)), crop_h - 1)
    paste_w = min(max(1, round((fx1 - fx0) * scale)), crop_w - pad_x)
    paste_h = min(max(1, round((fy1 - fy0) * scale)), crop_h - pad_y)
    return CropWindow(crop_w, crop_h, fx0, fy0, fx1, fy1, pad_x, pad_y, paste_w, paste_h)


def cut_crop(image_rgb: NDArray[np.uint8], window: CropWindow) -> NDArray[np.uint8]:
    """The crop_h×crop_w×3 uint8 crop described by `window` (black outside the frame)."""
    crop = np.zeros((window.crop_h, window.crop_w, 3), dtype=np.uint8)
    region = image_rgb[window.y0 : window.y1, window.x0 : window.x1]
    pasted = resize(region, window.paste_w, window.paste_h)
    crop[window.pad_y : window.pad_y + window.paste_h, window.pad_x : window.pad_x + window.paste_w] = (
        np.clip(np.rint(pasted), 0, 255).astype(np.uint8)
    )
    return crop


# ---------------------------------------------------------------------------------------------------------
# Decoding MoveNet MultiPose
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candidates:
    """MoveNet's people in crop pixels: keypoints [N, 17, 3] (x, y, conf), boxes [N, 4] x1, y1, x2, y2,
    person scores [N]."""

    keypoints: FloatArray
    boxes: FloatArray
    scores: FloatArray


def decode_movenet(raw: NDArray[Any], input_w: int, input_h: int) -> Candidates:
    """MoveNet MultiPose output [1, 6, 56] (or [6, 56]) → candidates in input pixels.

    A row is 17 × (y, x, score) normalised to the input, then ymin, xmin, ymax, xmax (normalised) and the
    person score: note y before x.
    """
    rows = np.asarray(raw, dtype=np.float32)
    if rows.ndim == 3:
        rows = rows[0]
    if rows.ndim != 2 or rows.shape[1] != 3 * N_KEYPOINTS + 5:
        raise ValueError(f"expected MoveNet MultiPose output (1, N, 56), got {np.shape(raw)}")
    yxs = rows[:, : 3 * N_KEYPOINTS].reshape(-1, N_KEYPOINTS, 3)
    keypoints = np.stack([yxs[..., 1] * input_w, yxs[..., 0] * input_h, yxs[..., 2]], axis=-1)
    ymin, xmin, ymax, xmax = (rows[:, 3 * N_KEYPOINTS + k] for k in range(4))
    boxes = np.stack([xmin * input_w, ymin * input_h, xmax * input_w, ymax * input_h], axis=1)
    return Candidates(keypoints.astype(np.float32), boxes.astype(np.float32), rows[:, -1].copy())


def _iou(box: FloatArray, boxes: FloatArray) -> FloatArray:
    inter_w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0.0, None)
    inter_h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0.0, None)
    inter = inter_w * inter_h
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = np.clip(boxes[:, 2] - boxes[:, 0], 0.0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0.0, None)
    iou: FloatArray = (inter / np.maximum(area + areas - inter, 1e-9)).astype(np.float32)
    return iou


def pick_candidate(candidates: Candidates, target_box: FloatArray) -> int | None:
    """Index of the candidate whose box overlaps `target_box` (the detector's box, in crop px) most; ties
    (and the case of no overlap at all) go to the box centre nearest the target's centre. None if empty."""
    if candidates.boxes.shape[0] == 0:
        return None
    iou = _iou(target_box, candidates.boxes)
    centre = (target_box[:2] + target_box[2:]) / 2.0
    size = np.maximum(target_box[2:] - target_box[:2], 1.0)
    centres = (candidates.boxes[:, :2] + candidates.boxes[:, 2:]) / 2.0
    distance = np.hypot(*((centres - centre) / size).T)
    order = np.lexsort((distance, -np.round(iou, 3)))
    return int(order[0])


def to_pose(
    keypoints_frame: FloatArray,
    box: Box,
    frame_w: int,
    frame_h: int,
    min_keypoint_conf: float,
    min_keypoints: int,
) -> Pose | None:
    """[17, 3] keypoints (x, y in frame px, conf) → a Pose normalised to the frame, or None when fewer than
    `min_keypoints` keypoints reach `min_keypoint_conf`. conf = mean conf of those keypoints; coordinates
    are clipped to the frame (a keypoint guessed in the black padding lands on the frame's edge)."""
    conf = keypoints_frame[:, 2]
    confident = conf >= min_keypoint_conf
    if int(confident.sum()) < min_keypoints:
        return None
    xs = np.clip(keypoints_frame[:, 0] / frame_w, 0.0, 1.0)
    ys = np.clip(keypoints_frame[:, 1] / frame_h, 0.0, 1.0)
    keypoints = tuple(
        Keypoint(float(x), float(y), float(c))
        for x, y, c in zip(xs, ys, np.clip(conf, 0.0, 1.0), strict=True)
    )
    return Pose(keypoints=keypoints, box=box, conf=float(conf[confident].mean()))


# ---------------------------------------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------------------------------------
class MoveNetCropPose:
    """MoveNet MultiPose Lightning (Apache-2.0) on one crop_w×crop_h crop per person box.

    People (detections labelled "person"; others are ignored) are taken largest box first, at most
    `max_people`; a pose is returned for each whose best-matching MoveNet candidate has at least
    `min_keypoints` keypoints with conf ≥ `min_keypoint_conf`, in that order. Its box is the detector's box.
    """

    def __init__(
        self,
        model_path: Path = DEFAULT_MOVENET,
        crop: tuple[int, int] = (192, 256),
        min_keypoint_conf: float = 0.3,
        min_keypoints: int = 10,
        max_people: int = 10,
        *,
        threads: int = 1,
        margin: float = CROP_MARGIN,
        device: str = "cpu",
    ) -> None:
        crop_w, crop_h = crop
        if crop_w < 32 or crop_h < 32 or crop_w % 32 or crop_h % 32:
            raise ValueError(f"crop sides must be positive multiples of 32, got {crop_w}×{crop_h}")
        if not 0 <= min_keypoints <= N_KEYPOINTS:
            raise ValueError(f"min_keypoints must be 0..{N_KEYPOINTS}, got {min_keypoints}")
        self.name = "movenet-multipose"
        self.crop_w, self.crop_h = crop_w, crop_h
        self.min_keypoint_conf = min_keypoint_conf
        self.min_keypoints = min_keypoints
        self.max_people = max_people
        self.margin = margin
        self._session = make_session(model_path, threads, device)
        model_input = self._session.get_inputs()[0]
        outputs = self._session.get_outputs()
        if model_input.type != "tensor(int32)" or len(model_input.shape) != 4 or len(outputs) != 1:
            raise ModelLoadError(
                f"{model_path} does not look like MoveNet MultiPose: input {model_input.type} "
                f"{model_input.shape}, {len(outputs)} outputs (expected int32 [1, H, W, 3] and one output)"
            )
        self._input_name: str = model_input.name

    def run_crop(self, crop_rgb: NDArray[np.uint8]) -> Candidates:
        """MoveNet on one crop_h×crop_w×3 uint8 crop → candidates in crop pixels."""
        tensor = np.ascontiguousarray(crop_rgb, dtype=np.int32)[None]
        raw = self._session.run(None, {self._input_name: tensor})[0]
        return decode_movenet(raw, self.crop_w, self.crop_h)

    def estimate(self, image_rgb: NDArray[np.uint8], people: list[Detection]) -> list[Pose]:
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.shape[0] < 1 or image_rgb.shape[1] < 1:
            raise ValueError(f"expected an RGB image H×W×3, got shape {image_rgb.shape}")
        frame_h, frame_w = image_rgb.shape[:2]
        persons = [d for d in people if d.label == "person"]
        persons.sort(key=lambda d: (d.box.x2 - d.box.x1) * (d.box.y2 - d.box.y1), reverse=True)
        poses: list[Pose] = []
        for person in persons[: self.max_people]:
            b = person.box
            box_px = (b.x1 * frame_w, b.y1 * frame_h, b.x2 * frame_w, b.y2 * frame_h)
            window = crop_window(box_px, frame_w, frame_h, self.crop_w, self.crop_h, self.margin)
            if window is None:
                continue
            candidates = self.run_crop(cut_crop(image_rgb, window))
            target = window.to_crop(np.array([box_px[:2], box_px[2:]], dtype=np.float32)).reshape(4)
            best = pick_candidate(candidates, target)
            if best is None:
                continue
            keypoints = candidates.keypoints[best].copy()
            keypoints[:, :2] = window.to_frame(keypoints[:, :2])
            pose = to_pose(keypoints, b, frame_w, frame_h, self.min_keypoint_conf, self.min_keypoints)
            if pose is not None:
                poses.append(pose)
        return poses
