"""The incident's key frame as a JPEG with what the models saw drawn on it (faces pixelated first when the
camera's privacy setting asks for it, so no unblurred face is ever stored). The camera's privacy masks are
blacked out last, over the drawing too: nothing seen inside one is stored, not even its box."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.domain import Frame, Observation
from vigil.media.annotate import annotate
from vigil.media.privacy import Polygon, blur_regions, face_boxes, mask_polygons
from vigil.media.storage import StoredFile, atomic_file, digest

JPEG_QUALITY = 88


def key_frame(frames: Sequence[Frame], t_s: float) -> Frame:
    """The frame nearest to `t_s` (the time of the observation that made the incident)."""
    if not frames:
        raise ValueError("no frames to take a snapshot from")
    return min(frames, key=lambda frame: abs(frame.t_s - t_s))


def render_snapshot(
    image_rgb: NDArray[np.uint8],
    observations: Sequence[Observation],
    blur_faces: bool = False,
    masks: Sequence[Polygon] = (),
) -> NDArray[np.uint8]:
    picture = blur_regions(image_rgb, face_boxes(observations)) if blur_faces else image_rgb
    return mask_polygons(annotate(picture, observations), masks)


def write_snapshot(
    image_rgb: NDArray[np.uint8],
    observations: Sequence[Observation],
    target: Path,
    blur_faces: bool = False,
    quality: int = JPEG_QUALITY,
    masks: Sequence[Polygon] = (),
) -> StoredFile:
    """Draw `observations` on the frame and write it to `target` as a JPEG, atomically."""
    picture = Image.fromarray(render_snapshot(image_rgb, observations, blur_faces, masks))
    with atomic_file(target) as temp:
        picture.save(temp, format="JPEG", quality=quality)
    return digest(target)
