"""Detection in motion regions (Frigate's regions): the detector looks only where something moved or where
a person was last seen, each region a square crop at least the model's input size, instead of the whole
frame squeezed into that size.

Pure geometry (`changed_boxes`, `region_around`, `merge_regions`, `plan_regions`) plus `RegionPlanner`,
which keeps one camera's previous thumbnail and people and says, per frame, which regions to detect in
(None: the whole frame). The object detector's cost is per call at its input size (NanoDet: 416×416), so
regions save model time only where the frame is much larger than the input and the motion small; on
smaller frames they give small people more pixels, at the cost of one call per region
(docs/performance.md, "Speed levers", says what they cost and find on the plaza and vtest).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Detection
from vigil.perception.objects import ObjectDetector, batched_nms
from vigil.pipeline.gating import thumbnail


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle of frame pixels, x0..x1 × y0..y1, end exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def area(self) -> int:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def overlaps(self, other: Region) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def union(self, other: Region) -> Region:
        return Region(
            min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1)
        )


def changed_boxes(moved: NDArray[np.bool_], scale: float, min_cells: int = 2) -> list[Region]:
    """Bounding boxes, in frame px, of the 8-connected groups of changed thumbnail pixels (`moved`, one
    thumbnail pixel = `scale` frame px); groups smaller than `min_cells` pixels are noise."""
    height, width = moved.shape
    seen = np.zeros_like(moved)
    boxes = []
    for y, x in zip(*np.nonzero(moved), strict=True):
        if seen[y, x]:
            continue
        seen[y, x] = True
        queue = deque([(int(y), int(x))])
        y0, x0, y1, x1, cells = int(y), int(x), int(y), int(x), 0
        while queue:
            cy, cx = queue.popleft()
            cells += 1
            y0, x0, y1, x1 = min(y0, cy), min(x0, cx), max(y1, cy), max(x1, cx)
            for ny in range(max(0, cy - 1), min(height, cy + 2)):
                for nx in range(max(0, cx - 1), min(width, cx + 2)):
                    if moved[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        if cells >= min_cells:
            boxes.append(
                Region(round(x0 * scale), round(y0 * scale), round((x1 + 1) * scale), round((y1 + 1) * scale))
            )
    return boxes


def region_around(box: Region, size: int, frame_w: int, frame_h: int, margin: float = 0.1) -> Region:
    """The square (side ≥ `size`, and ≥ the box's longer side plus `margin` on each side) centred on the
    box, shifted to lie inside the frame (cut to the frame where the frame is smaller than the square)."""
    side = max(size, round(max(box.x1 - box.x0, box.y1 - box.y0) * (1 + 2 * margin)))
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    x0 = min(max(0, round(cx - side / 2)), max(0, frame_w - side))
    y0 = min(max(0, round(cy - side / 2)), max(0, frame_h - side))
    return Region(x0, y0, min(frame_w, x0 + side), min(frame_h, y0 + side))


def merge_regions(regions: list[Region], size: int, frame_w: int, frame_h: int) -> list[Region]:
    """Overlapping regions become the square around both, until none overlap."""
    merged = list(regions)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                if merged[i].overlaps(merged[j]):
                    both = region_around(merged[i].union(merged[j]), size, frame_w, frame_h, margin=0.0)
                    merged = [r for k, r in enumerate(merged) if k not in (i, j)] + [both]
                    changed = True
                    break
            if changed:
                break
    return sorted(merged, key=lambda r: (r.y0, r.x0))


def plan_regions(
    boxes: list[Region], size: int, frame_w: int, frame_h: int, max_share: float = 0.8, max_regions: int = 3
) -> list[Region] | None:
    """The regions to detect in, or None for the whole frame: when the regions would cover more than
    `max_share` of it, or take more than `max_regions` detector calls."""
    if not boxes:
        return []
    regions = merge_regions([region_around(b, size, frame_w, frame_h) for b in boxes], size, frame_w, frame_h)
    if len(regions) > max_regions or sum(r.area for r in regions) > max_share * frame_w * frame_h:
        return None
    return regions


def to_frame(detection: Detection, region: Region, frame_w: int, frame_h: int) -> Detection:
    """A detection normalised to a region's crop → normalised to the frame."""
    w, h = region.x1 - region.x0, region.y1 - region.y0
    b = detection.box
    box = Box(
        (region.x0 + b.x1 * w) / frame_w,
        (region.y0 + b.y1 * h) / frame_h,
        (region.x0 + b.x2 * w) / frame_w,
        (region.y0 + b.y2 * h) / frame_h,
    )
    return Detection(detection.label, detection.conf, box)


@dataclass
class RegionPlanner:
    """One camera's regions: where its thumbnail changed since its previous frame, and around the people
    of its previous frame (someone standing still stays found); the whole frame every `full_every_s`."""

    size: int
    pixel_threshold: float = 12.0
    full_every_s: float = 5.0
    _previous: NDArray[np.float32] | None = None
    _last_full_t: float | None = None
    _people: list[Box] = field(default_factory=list)

    def plan(self, t_s: float, image: NDArray[np.uint8]) -> list[Region] | None:
        frame_h, frame_w = image.shape[:2]
        current = thumbnail(image)
        previous, self._previous = self._previous, current
        due = (
            self._last_full_t is None
            or t_s - self._last_full_t >= self.full_every_s
            or t_s < self._last_full_t
        )
        if previous is None or previous.shape != current.shape or due:
            self._last_full_t = t_s
            return None
        scale = frame_w / current.shape[1]
        boxes = changed_boxes(np.abs(current - previous) > self.pixel_threshold, scale)
        boxes += [
            Region(round(b.x1 * frame_w), round(b.y1 * frame_h), round(b.x2 * frame_w), round(b.y2 * frame_h))
            for b in self._people
        ]
        regions = plan_regions(boxes, self.size, frame_w, frame_h)
        if regions is None:
            self._last_full_t = t_s
        return regions

    def found(self, detections: list[Detection]) -> None:
        self._people = [d.box for d in detections if d.label == "person"]


def detect_in_regions(
    detector: ObjectDetector, image: NDArray[np.uint8], regions: list[Region], iou: float = 0.5
) -> list[Detection]:
    """The detector on each region's crop, boxes back in frame coordinates, duplicates where regions
    meet merged (NMS per label), best first."""
    frame_h, frame_w = image.shape[:2]
    found = [
        to_frame(d, region, frame_w, frame_h)
        for region in regions
        for d in detector.detect(image[region.y0 : region.y1, region.x0 : region.x1])
    ]
    if len(regions) < 2 or not found:
        return sorted(found, key=lambda d: -d.conf)
    boxes = np.array([[d.box.x1, d.box.y1, d.box.x2, d.box.y2] for d in found], dtype=np.float32)
    scores = np.array([d.conf for d in found], dtype=np.float32)
    labels = sorted({d.label for d in found})
    classes = np.array([labels.index(d.label) for d in found], dtype=np.int64)
    return [found[int(i)] for i in batched_nms(boxes, scores, classes, iou)]
