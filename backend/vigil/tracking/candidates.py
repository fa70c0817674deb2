"""The trackers `vigil.tracking.compare` measures, behind one small interface.

Each takes one sampled frame's detections (boxes normalised x1, y1, x2, y2; confidences; labels) and returns
the track id of every detection, None where the detection has no confirmed track (yet). Every adapter keeps
one tracker per label, as Vigil's own tracker never matches a person to a car.

supervision and Norfair are not dependencies of Vigil (docs/perception.md says why); they are imported when
a candidate is built, so this module imports without them. Install them for a measurement with
`pip install --no-deps --target .cache/tracker-candidates supervision==0.30.9 norfair==2.3.0 filterpy==1.4.5
pydeprecate==0.13.0 defusedxml==0.7.1` and run with `PYTHONPATH=.cache/tracker-candidates` (scipy comes from
the dev install).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Detection, Observation
from vigil.tracking.tracker import Tracker, TrackerConfig

FloatArray = NDArray[np.float64]


class TrackerUnderTest(Protocol):
    def update(
        self, t_s: float, boxes: FloatArray, confs: FloatArray, labels: Sequence[str]
    ) -> list[int | None]: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """One tracker with one configuration. `min_conf` is the detector threshold its input is cut at (the
    pipeline's is 0.5); `build(width_px, height_px, fps)` makes a fresh tracker for one video."""

    name: str
    package: str  # the distribution whose version is reported ("vigil" for our own)
    settings: str  # what was set, in words, for the table
    min_conf: float
    build: Callable[[int, int, float], TrackerUnderTest]

    def version(self) -> str:
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    def available(self) -> bool:
        return self.version() != "not installed"


class VigilTracker:
    """Vigil's SORT-style tracker, fed observations exactly as the camera pipeline feeds it."""

    def __init__(self, width_px: int, height_px: int, config: TrackerConfig | None = None) -> None:
        self.tracker = Tracker(config, frame_aspect=width_px / height_px)

    def update(
        self, t_s: float, boxes: FloatArray, confs: FloatArray, labels: Sequence[str]
    ) -> list[int | None]:
        detections = tuple(
            Detection(label, float(conf), Box(*(float(v) for v in box)))
            for box, conf, label in zip(boxes, confs, labels, strict=True)
        )
        result = self.tracker.update(
            Observation(camera_id=1, t_s=t_s, wall_time_s=t_s, detections=detections)
        )
        return [d.track_id for d in result.detections]


class _PerLabel:
    """One library tracker per label; detections go in pixel coordinates, ids come back per detection."""

    def __init__(self, width_px: int, height_px: int, make: Callable[[], Any]) -> None:
        self.scale = np.array([width_px, height_px, width_px, height_px], dtype=np.float64)
        self.make = make
        self.trackers: dict[str, Any] = {}
        self.id_base: dict[str, int] = {}

    def tracker_for(self, label: str) -> tuple[Any, int]:
        """The label's tracker and the offset that keeps ids of different labels apart."""
        if label not in self.trackers:
            self.trackers[label] = self.make()
            self.id_base[label] = 1_000_000 * len(self.id_base)
        return self.trackers[label], self.id_base[label]


class ByteTrackTracker(_PerLabel):
    """supervision's `ByteTrack` (`update_with_detections`); each detection's index rides along in
    `Detections.data` so the returned subset maps back to the input."""

    def __init__(self, width_px: int, height_px: int, fps: float, **settings: Any) -> None:
        sv = _module("supervision")
        super().__init__(width_px, height_px, lambda: sv.ByteTrack(frame_rate=fps, **settings))
        self.sv = sv

    def update(
        self, t_s: float, boxes: FloatArray, confs: FloatArray, labels: Sequence[str]
    ) -> list[int | None]:
        ids: list[int | None] = [None] * len(labels)
        for label in sorted({*labels, *self.trackers}):
            tracker, base = self.tracker_for(label)
            rows = np.array([i for i, name in enumerate(labels) if name == label], dtype=np.int64)
            detections = self.sv.Detections(
                xyxy=(boxes[rows] * self.scale).reshape(-1, 4).astype(np.float32),
                confidence=confs[rows].astype(np.float32),
                class_id=np.zeros(len(rows), dtype=np.int64),
                data={"row": rows},
            )
            tracked = tracker.update_with_detections(detections)
            if len(tracked) == 0:  # an empty answer carries no `data`
                continue
            for row, track_id in zip(tracked.data["row"], tracked.tracker_id, strict=True):
                ids[int(row)] = base + int(track_id)
        return ids


def frigate_distance(detection: Any, tracked_object: Any) -> float:
    """The distance Frigate gives Norfair (frigate/track/norfair_tracker.py, written again here): the change
    of the box's bottom-centre in the tracked box's widths and heights, and how much the width and the height
    grew or shrank (ratio − 1), as one Euclidean norm. Points are the box's two corners."""
    new, old = np.asarray(detection.points, dtype=np.float64), np.asarray(tracked_object.estimate)
    old_size = np.maximum(old[1] - old[0], 1e-6)
    new_size = np.maximum(new[1] - new[0], 1e-6)
    foot_shift = np.array(
        [
            (new[:, 0].mean() - old[:, 0].mean()) / old_size[0],
            (new[:, 1].max() - old[:, 1].max()) / old_size[1],
        ]
    )
    growth = np.maximum(old_size, new_size) / np.minimum(old_size, new_size) - 1.0
    return float(np.linalg.norm(np.concatenate([foot_shift, growth])))


class NorfairTracker(_PerLabel):
    """Norfair's `Tracker` on box corners; a detection's id is that of the object whose last detection it
    became in this update."""

    def __init__(self, width_px: int, height_px: int, **settings: Any) -> None:
        norfair = _module("norfair")
        super().__init__(width_px, height_px, lambda: norfair.Tracker(**settings))
        self.norfair = norfair

    def update(
        self, t_s: float, boxes: FloatArray, confs: FloatArray, labels: Sequence[str]
    ) -> list[int | None]:
        ids: list[int | None] = [None] * len(labels)
        for label in sorted({*labels, *self.trackers}):
            tracker, base = self.tracker_for(label)
            rows = [i for i, name in enumerate(labels) if name == label]
            detections = [
                self.norfair.Detection(
                    points=(boxes[i] * self.scale).reshape(2, 2), scores=np.full(2, confs[i]), data=i
                )
                for i in rows
            ]
            for tracked in tracker.update(detections=detections):
                last = tracked.last_detection
                if any(last is d for d in detections) and tracked.id is not None:
                    ids[int(last.data)] = base + int(tracked.id)
        return ids


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise RuntimeError(
            f"{name} is not installed: see vigil/tracking/candidates.py for the measurement install"
        ) from error


def candidates(fps: float) -> list[Candidate]:
    """Vigil's tracker and each library twice: as shipped (or as Frigate sets Norfair up) and with Vigil's
    life cycle (an id after 3 hits, kept 2 s unseen), so that differences come from matching, not from how
    long a track waits or lives. Nothing here was tuned on the measured clips."""
    lost_2s = round(2.0 * fps)
    return [
        Candidate(
            "Vigil SORT-style",
            "vigil",
            "defaults (3 hits, 2 s unseen, IoU + centre distance, greedy)",
            0.5,
            lambda w, h, f: VigilTracker(w, h),
        ),
        Candidate(
            "ByteTrack (supervision)",
            "supervision",
            "defaults at the sampled fps (id on the 2nd hit, 1 s lost, IoU × conf ≥ 0.2)",
            0.5,
            lambda w, h, f: ByteTrackTracker(w, h, f),
        ),
        Candidate(
            "ByteTrack (supervision)",
            "supervision",
            "Vigil's life cycle: 3 consecutive hits, 2 s lost",
            0.5,
            lambda w, h, f: ByteTrackTracker(
                w, h, f, minimum_consecutive_frames=3, lost_track_buffer=round(2.0 * 30)
            ),
        ),
        Candidate(
            "ByteTrack (supervision)",
            "supervision",
            "Vigil's life cycle, two-stage input: boxes ≥ 0.1, tracks from ≥ 0.5",
            0.1,
            lambda w, h, f: ByteTrackTracker(
                w,
                h,
                f,
                track_activation_threshold=0.5,
                minimum_consecutive_frames=3,
                lost_track_buffer=round(2.0 * 30),
            ),
        ),
        Candidate(
            "Norfair",
            "norfair",
            f"as Frigate: its distance ≤ 2.5, id at once, kept 5 s ({round(5 * fps)} samples)",
            0.5,
            lambda w, h, f: NorfairTracker(
                w,
                h,
                distance_function=frigate_distance,
                distance_threshold=2.5,
                initialization_delay=0,
                hit_counter_max=round(5 * f),
            ),
        ),
        Candidate(
            "Norfair",
            "norfair",
            f"Frigate's distance, Vigil's life cycle: id after 3 hits, kept {lost_2s} samples",
            0.5,
            lambda w, h, f: NorfairTracker(
                w,
                h,
                distance_function=frigate_distance,
                distance_threshold=2.5,
                initialization_delay=2,
                hit_counter_max=round(2.0 * f),
            ),
        ),
    ]
