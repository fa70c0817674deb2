"""Faces made unrecognisable in stored media, which faces a video frame has between two analysed ones, and
privacy masks blacked out.

The blur is a coarse pixelation: each face box (grown by a margin, so hair, ears and a moving head stay
covered) becomes at most `BLOCKS` × `BLOCKS` flat blocks, each the mean colour of its pixels. 4 × 4 means
of a whole face carry no identity a person (or a face recogniser) can use, unlike a Gaussian blur or a
fine mosaic, which recognisers are known to see through; a flat fill would be safer still but hides that
there was a face at all, which an operator needs to read the scene.

A privacy mask (a camera zone of kind `privacy`: a neighbour's window, a keypad) is the opposite case:
nothing of it may be seen, so it is filled flat black in every picture that leaves the server (stored
snapshots, clips, the live view, the probe's still). Pixels whose area the polygon touches are covered,
so the edge leaks nothing either.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from vigil.domain import Box, Observation

BLOCKS = 4
MARGIN = 0.25  # of the box's width/height, added on every side
MASK_COLOUR = (0, 0, 0)

Polygon = Sequence[tuple[float, float]]
"""Corners in frame coordinates, 0..1 from the top-left corner."""


def grow(box: Box, margin: float = MARGIN) -> Box:
    dx, dy = (box.x2 - box.x1) * margin, (box.y2 - box.y1) * margin
    return Box(max(0.0, box.x1 - dx), max(0.0, box.y1 - dy), min(1.0, box.x2 + dx), min(1.0, box.y2 + dy))


def _pixels(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    x1 = int(np.floor(box.x1 * width))
    y1 = int(np.floor(box.y1 * height))
    x2 = int(np.ceil(box.x2 * width))
    y2 = int(np.ceil(box.y2 * height))
    return max(0, x1), max(0, y1), min(width, x2), min(height, y2)


def pixelate(region: NDArray[np.uint8], blocks: int = BLOCKS) -> NDArray[np.uint8]:
    """`region` (H×W×C) as at most `blocks` flat blocks along its longer side, each its pixels' mean."""
    height, width = region.shape[:2]
    block = max(1, int(np.ceil(max(height, width) / blocks)))
    out = np.empty_like(region)
    for y in range(0, height, block):
        for x in range(0, width, block):
            cell = region[y : y + block, x : x + block]
            out[y : y + block, x : x + block] = cell.reshape(-1, region.shape[2]).mean(axis=0).round()
    return out


def blur_regions(
    image: NDArray[np.uint8], boxes: Iterable[Box], margin: float = MARGIN, blocks: int = BLOCKS
) -> NDArray[np.uint8]:
    """A copy of the RGB `image` with every box (normalised, grown by `margin`) pixelated; the rest is
    bit-for-bit the input."""
    out = image.copy()
    height, width = image.shape[:2]
    for box in boxes:
        x1, y1, x2, y2 = _pixels(grow(box, margin), width, height)
        if x2 > x1 and y2 > y1:
            out[y1:y2, x1:x2] = pixelate(out[y1:y2, x1:x2], blocks)
    return out


def face_boxes(observations: Iterable[Observation]) -> list[Box]:
    return [face.box for observation in observations for face in observation.faces]


class FaceTimeline:
    """Face boxes for any time of a video, from the observations of the frames that were analysed.

    Only some frames reach the face model (analysis fps, motion gate), so a frame at time t gets the faces of
    the analysed frame at or before t (held until the next one) together with those of the next analysed
    frame: a face moving from one place to the other is covered at both ends of its way, and a face that
    appears between two analyses is covered from the frame before the analysis that found it. Before the
    first analysed frame the first one's faces are used, after the last the last one's. Sound-only
    observations say nothing about faces and are ignored; a video observation without faces means none.
    """

    def __init__(self, observations: Iterable[Observation]) -> None:
        seen = sorted((o for o in observations if o.modality == "video"), key=lambda o: o.t_s)
        self._times = [o.t_s for o in seen]
        self._boxes: list[tuple[Box, ...]] = [tuple(f.box for f in o.faces) for o in seen]

    def __bool__(self) -> bool:
        return bool(self._times)

    def boxes_at(self, t_s: float) -> Sequence[Box]:
        if not self._times:
            return ()
        after = bisect.bisect_right(self._times, t_s)  # first analysed frame later than t_s
        if after == 0:
            return self._boxes[0]
        if after == len(self._times):
            return self._boxes[-1]
        return self._boxes[after - 1] + self._boxes[after]


@functools.lru_cache(maxsize=64)
def _mask_of(
    width: int, height: int, polygons: tuple[tuple[tuple[float, float], ...], ...]
) -> NDArray[np.bool_]:
    """Which pixels of a `width` × `height` frame the polygons cover (outline included)."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        corners = [(x * width, y * height) for x, y in polygon]
        if len(corners) >= 3:
            draw.polygon(corners, fill=255, outline=255, width=2)
    covered = np.asarray(canvas, dtype=np.uint8) > 0
    covered.setflags(write=False)
    return covered


def mask_area(width: int, height: int, polygons: Iterable[Polygon]) -> NDArray[np.bool_]:
    """The pixels the privacy masks cover, as a read-only boolean H×W array (cached per size and masks)."""
    key = tuple(tuple((float(x), float(y)) for x, y in polygon) for polygon in polygons)
    return _mask_of(width, height, key)


def mask_polygons(image: NDArray[np.uint8], polygons: Iterable[Polygon]) -> NDArray[np.uint8]:
    """A copy of the RGB `image` with every polygon (normalised corners) filled black; `image` itself
    when there is none."""
    polygons = list(polygons)
    if not polygons:
        return image
    height, width = image.shape[:2]
    out = image.copy()
    out[mask_area(width, height, polygons)] = MASK_COLOUR
    return out
