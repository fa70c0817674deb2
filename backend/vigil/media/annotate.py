"""What the models saw, drawn on the frame: boxes with labels, pose skeletons, faces with their emotion,
actions. Used by `vigil detect --annotate` and for incident snapshots."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from vigil.domain import COCO_KEYPOINTS, Box, Observation

KEYPOINT_MIN_CONF = 0.3
_INDEX = {name: i for i, name in enumerate(COCO_KEYPOINTS)}
SKELETON = tuple(
    (_INDEX[a], _INDEX[b])
    for a, b in (
        ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"), ("left_shoulder", "left_hip"),
        ("right_shoulder", "right_hip"), ("left_hip", "right_hip"), ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
        ("nose", "left_eye"), ("nose", "right_eye"),
    )
)  # fmt: skip
COLOURS = {
    "person": (0, 200, 255),
    "face": (255, 210, 0),
    "action": (255, 40, 40),
    "pose": (120, 255, 120),
}
OTHER = (255, 120, 220)


def _pixels(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    return (box.x1 * width, box.y1 * height, box.x2 * width, box.y2 * height)


def _label(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, colour: tuple[int, int, int]
) -> None:
    font = ImageFont.load_default()
    left, top, right, bottom = draw.textbbox(xy, text, font=font)
    y = max(0.0, xy[1] - (bottom - top) - 2)
    draw.rectangle((left, y, right + 4, y + (bottom - top) + 2), fill=colour)
    draw.text((left + 2, y), text, fill=(0, 0, 0), font=font)


def annotate(image_rgb: NDArray[np.uint8], observations: Iterable[Observation]) -> NDArray[np.uint8]:
    """A copy of `image_rgb` with everything in `observations` drawn on it."""
    picture = Image.fromarray(image_rgb)
    draw = ImageDraw.Draw(picture)
    width, height = picture.size
    thickness = max(1, round(min(width, height) / 300))
    for observation in observations:
        for pose in observation.poses:
            points = [(k.x * width, k.y * height, k.conf) for k in pose.keypoints]
            for a, b in SKELETON:
                if points[a][2] >= KEYPOINT_MIN_CONF and points[b][2] >= KEYPOINT_MIN_CONF:
                    draw.line((points[a][:2], points[b][:2]), fill=COLOURS["pose"], width=thickness)
        for detection in observation.detections:
            colour = COLOURS.get(detection.label, OTHER)
            box = _pixels(detection.box, width, height)
            draw.rectangle(box, outline=colour, width=thickness)
            track = f" #{detection.track_id}" if detection.track_id is not None else ""
            _label(draw, box[:2], f"{detection.label}{track} {detection.conf:.2f}", colour)
        for face in observation.faces:
            box = _pixels(face.box, width, height)
            draw.rectangle(box, outline=COLOURS["face"], width=thickness)
            if face.emotion is not None:
                _label(
                    draw,
                    (box[0], box[3] + 12),
                    f"{face.emotion.label} {face.emotion.conf:.2f}",
                    COLOURS["face"],
                )
        for action in observation.actions:
            box = _pixels(action.box, width, height)
            draw.rectangle(box, outline=COLOURS["action"], width=thickness * 2)
            _label(
                draw, (box[0], box[3] + 12), f"{action.label.upper()} {action.conf:.2f}", COLOURS["action"]
            )
    return np.asarray(picture, dtype=np.uint8).copy()
