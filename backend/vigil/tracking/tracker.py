"""SORT-style multi-object tracking of one camera's detections, in numpy.

Each observation's detections are matched to the existing tracks of the same label: every track's box is
predicted to the observation's time with its constant velocity, then every (track, detection) pair gets a
score = IoU + `CENTRE_WEIGHT` × (1 − centre distance / gate), where the centre distance is measured in
body heights (box heights) and the gate widens with the time the track has been unseen. Pairs outside the
gate (no overlap and too far) are never matched. Pairs are then taken greedily, best score first.

Why greedy and not the Hungarian algorithm: scipy is not a run-time dependency, and with ≤ 20 people the
conflicts that make greedy and optimal assignment differ (two detections each best for the same track,
with the second-best choices swapped) need two people overlapping and moving alike; there the IoU term
already prefers the right pair and the prediction keeps identities. Greedy costs O(n² log n) for n ≤ 20,
a few microseconds, where an assignment solver written in numpy would cost more than the whole update.

Unmatched detections start tentative tracks, which get a public id after `confirm_hits` hits; a tentative
track unseen for `tentative_max_age_s` is dropped without ever having had an id. A confirmed track is
kept through misses for `max_missing_s` (seconds, not frames, because sampling rates vary) and predicted
with its velocity for at most `max_predict_s` of them. Ids are integers from 1, per tracker (one tracker per
camera), never reused.

Poses are attached to person tracks through their box: a pose whose box overlaps (IoU ≥ `POSE_MIN_IOU`)
a person detection takes that detection's track (the pose estimator uses the detector's boxes, so the IoU
is usually 1).

Coordinates: boxes are normalised to the frame (x in frame widths, y in frame heights). Distances and
velocities are computed in frame heights (x × `frame_aspect`), so they mean the same horizontally and
vertically; "body heights" divide by the track's box height.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Box, Detection, Observation, Pose

FloatArray = NDArray[np.float64]
BoxTuple = tuple[float, float, float, float]

CONFIRM_HITS = 3
"""Hits before a track gets an id: 0.4 s at 5 fps. One or two stray boxes (a shadow, a reflection) never
become tracks, and a real person is confirmed within half a second."""

TENTATIVE_MAX_AGE_S = 0.5
"""A tentative track unseen this long is dropped: at 5 fps it may miss one or two samples while confirming."""

MAX_MISSING_S = 2.0
"""A confirmed track survives this long unseen: a missed detection (0.2-0.4 s) or a short occlusion behind
another person keeps the id, while someone who leaves and comes back after several seconds is a new track
(beyond ~2 s, re-association by position alone is mostly guessing)."""

MAX_PREDICT_S = 0.4
"""Constant-velocity prediction runs at most this long into a miss (one or two samples at 5 fps); after that
the box stays where it was predicted: a person hidden for longer, behind someone or something, has often
stopped or turned, and a box carried on across the frame ends up on a passer-by (on vtest, 1.0 s gave as
many identity errors, 3 in 30 s, with a different person involved)."""

MIN_IOU = 0.1
"""Below this overlap a pair is matched only on centre distance."""

CENTRE_WEIGHT = 0.5
"""Weight of the centre-distance term against IoU (0..1 each): IoU leads, distance breaks ties and carries
small or fast people whose boxes no longer overlap from one sample to the next."""

GATE_BH = 0.6
"""Centre-distance gate, in body heights, for a track seen at the previous sample: covers the prediction
error of a runner changing pace (3 body heights/s × 0.2 s = 0.6)."""

GATE_GROWTH_BH_PER_S = 1.5
"""The gate widens by this many body heights per second unseen beyond one 0.2 s sample interval (walking
speed ~1 body height/s plus a margin): a track missed for one sample (unseen 0.4 s) is searched 0.9 body
heights around its prediction."""

MAX_SIZE_RATIO = 2.0
"""Boxes that do not overlap and whose heights differ by more than this factor are not the same object one
sample apart (overlapping boxes may: a falling person's box turns from tall to wide within 0.2 s)."""

VELOCITY_SMOOTHING = 0.5
"""Weight of the newest measured velocity in its exponential average (≈ the last 2-3 samples)."""

POSE_MIN_IOU = 0.5
"""A pose belongs to the person detection its box overlaps at least this much."""

POSE_HISTORY_S = 8.0
"""Poses kept per track: a fall needs ~1 s upright + ~1 s falling + ~2 s down, a fight a 1.5 s window."""

POSE_HISTORY_MAX = 96
"""Hard cap on the pose history (8 s at 12 fps), whatever the sampling rate."""

PATH_HISTORY_S = 120.0
"""Boxes kept per track (its path), for loitering over long dwell times."""


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    confirm_hits: int = CONFIRM_HITS
    tentative_max_age_s: float = TENTATIVE_MAX_AGE_S
    max_missing_s: float = MAX_MISSING_S
    max_predict_s: float = MAX_PREDICT_S
    min_iou: float = MIN_IOU
    centre_weight: float = CENTRE_WEIGHT
    gate_bh: float = GATE_BH
    gate_growth_bh_per_s: float = GATE_GROWTH_BH_PER_S
    max_size_ratio: float = MAX_SIZE_RATIO
    velocity_smoothing: float = VELOCITY_SMOOTHING
    pose_min_iou: float = POSE_MIN_IOU
    pose_history_s: float = POSE_HISTORY_S
    pose_history_max: int = POSE_HISTORY_MAX
    path_history_s: float = PATH_HISTORY_S

    def __post_init__(self) -> None:
        if self.confirm_hits < 1:
            raise ValueError("confirm_hits must be at least 1")
        if self.max_missing_s <= 0 or self.tentative_max_age_s <= 0:
            raise ValueError("max_missing_s and tentative_max_age_s must be positive")


@dataclass(frozen=True, slots=True)
class TimedPose:
    t_s: float
    pose: Pose


@dataclass(frozen=True, slots=True)
class Track:
    """A snapshot of one confirmed track.

    `velocity` is the box centre's (vx, vy) in frame heights per second (x already scaled by the frame's
    aspect ratio). `path` is [n, 5]: t_s, x1, y1, x2, y2 (normalised) of every sample the track was seen in,
    oldest first, over the last `path_history_s`. `poses` are its recent poses, oldest first.
    """

    id: int
    label: str
    box: Box
    first_seen_s: float
    last_seen_s: float
    velocity: tuple[float, float]
    hits: int
    poses: tuple[TimedPose, ...] = ()
    path: FloatArray = dataclasses.field(default_factory=lambda: np.zeros((0, 5)), repr=False, compare=False)

    @property
    def height(self) -> float:
        """Box height in frame heights: the track's body height."""
        return self.box.y2 - self.box.y1

    @property
    def speed_bh_s(self) -> float:
        """Speed of the box centre in body heights per second."""
        return float(np.hypot(*self.velocity)) / max(self.height, 1e-6)

    @property
    def foot(self) -> tuple[float, float]:
        """Bottom-centre of the box (normalised), where the person stands."""
        return ((self.box.x1 + self.box.x2) / 2.0, self.box.y2)


class _PathBuffer:
    """Rows of (t, x1, y1, x2, y2) appended in time order; rows older than `keep_s` are dropped in batches."""

    def __init__(self, keep_s: float, capacity: int = 256) -> None:
        self.keep_s = keep_s
        self.rows = np.zeros((capacity, 5), dtype=np.float64)
        self.n = 0

    def append(self, t_s: float, box: BoxTuple) -> None:
        if self.n == len(self.rows):
            live = self.rows[: self.n]
            kept = live[live[:, 0] >= t_s - self.keep_s]
            if len(kept) > len(self.rows) // 2:
                grown = np.zeros((2 * len(self.rows), 5), dtype=np.float64)
                grown[: len(kept)] = kept
                self.rows = grown
            else:
                self.rows[: len(kept)] = kept
            self.n = len(kept)
        self.rows[self.n, 0] = t_s
        self.rows[self.n, 1:] = box
        self.n += 1

    def snapshot(self, now_s: float) -> FloatArray:
        live = self.rows[: self.n]
        start = int(np.searchsorted(live[:, 0], now_s - self.keep_s, side="left"))
        return live[start:].copy()


class _TrackState:
    __slots__ = (
        "box", "first_seen_s", "hits", "id", "label", "last_seen_s", "path", "poses", "velocity",
    )  # fmt: skip

    def __init__(self, label: str, box: BoxTuple, t_s: float, config: TrackerConfig) -> None:
        self.id: int | None = None
        self.label = label
        self.box = box  # x1, y1, x2, y2 normalised, as last measured
        self.velocity = (0.0, 0.0)  # box centre, normalised units per second (x in widths)
        self.first_seen_s = t_s
        self.last_seen_s = t_s
        self.hits = 1
        self.poses: deque[TimedPose] = deque(maxlen=config.pose_history_max)
        self.path = _PathBuffer(config.path_history_s)
        self.path.append(t_s, box)

    def update(self, box: BoxTuple, t_s: float, smoothing: float) -> None:
        dt = t_s - self.last_seen_s
        if dt > 1e-6:
            old = self.box
            vx = ((box[0] + box[2]) - (old[0] + old[2])) / (2.0 * dt)
            vy = ((box[1] + box[3]) - (old[1] + old[3])) / (2.0 * dt)
            weight = smoothing if self.hits > 1 else 1.0
            self.velocity = (
                (1.0 - weight) * self.velocity[0] + weight * vx,
                (1.0 - weight) * self.velocity[1] + weight * vy,
            )
        self.box = box
        self.last_seen_s = t_s
        self.hits += 1
        self.path.append(t_s, box)


def iou_matrix(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of every box in a [n, 4] against every box in b [m, 4] (x1, y1, x2, y2) → [n, m]."""
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0.0, None) * np.clip(y2 - y1, 0.0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def greedy_assignment(score: FloatArray, valid: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Pairs (row, col) taken best score first, each row and column at most once, only where `valid`."""
    rows, cols = np.nonzero(valid)
    if len(rows) == 0:
        return []
    order = np.argsort(-score[rows, cols], kind="stable")
    most = min(len(set(rows.tolist())), len(set(cols.tolist())))
    used_rows: set[int] = set()
    used_cols: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if r in used_rows or c in used_cols:
            continue
        used_rows.add(r)
        used_cols.add(c)
        pairs.append((r, c))
        if len(pairs) == most:
            break
    return pairs


def _box_array(box: Box) -> FloatArray:
    return np.array([box.x1, box.y1, box.x2, box.y2], dtype=np.float64)


def _to_box(row: BoxTuple) -> Box:
    return Box(*row)


class Tracker:
    """Tracks of one camera. `update` must be called with observations in time order.

    `frame_aspect` is the frame's width / height (the pipeline knows it from the decoded frames); it only
    scales horizontal distances and velocities into frame heights.
    """

    def __init__(self, config: TrackerConfig | None = None, frame_aspect: float = 16 / 9) -> None:
        self.config = config or TrackerConfig()
        self.frame_aspect = frame_aspect
        self._states: list[_TrackState] = []
        self._ids = itertools.count(1)
        self._now_s: float | None = None

    @property
    def now_s(self) -> float | None:
        """The time of the last observation."""
        return self._now_s

    def update(self, observation: Observation) -> Observation:
        """Match the observation's detections to tracks; the observation with track ids on detections and
        poses (None for a detection whose track is not confirmed yet). Audio-only observations pass
        unchanged: they say nothing about who is in view."""
        if observation.modality != "video":
            return observation
        t_s = observation.t_s
        if self._now_s is not None and t_s < self._now_s:
            t_s = self._now_s  # a clock that steps back is held, not allowed to age tracks backwards
        self._now_s = t_s
        detections = observation.detections
        boxes = np.array([(d.box.x1, d.box.y1, d.box.x2, d.box.y2) for d in detections], dtype=np.float64)
        boxes = boxes.reshape(-1, 4)
        owners = self._match(detections, boxes, t_s)
        self._expire(t_s)

        person = np.array([d.label == "person" for d in detections], dtype=bool)
        pose_owners = self._match_poses(observation.poses, boxes, person, owners)
        for pose, state in zip(observation.poses, pose_owners, strict=True):
            if state is not None:
                state.poses.append(TimedPose(t_s, pose))
                while state.poses[0].t_s < t_s - self.config.pose_history_s:
                    state.poses.popleft()

        tracked_detections = tuple(
            Detection(d.label, d.conf, d.box, None if s is None else s.id)
            for d, s in zip(detections, owners, strict=True)
        )
        tracked_poses = tuple(
            Pose(p.keypoints, p.box, p.conf, None if s is None else s.id)
            for p, s in zip(observation.poses, pose_owners, strict=True)
        )
        return dataclasses.replace(observation, detections=tracked_detections, poses=tracked_poses)

    def tracks(self, include_missing: bool = True) -> list[Track]:
        """Snapshots of the confirmed tracks; include_missing=False: only those seen at the last update."""
        now = self._now_s if self._now_s is not None else 0.0
        snapshots = []
        for s in self._states:
            if s.id is None or (not include_missing and s.last_seen_s < now):
                continue
            velocity = (s.velocity[0] * self.frame_aspect, s.velocity[1])
            snapshots.append(
                Track(
                    id=s.id,
                    label=s.label,
                    box=_to_box(s.box),
                    first_seen_s=s.first_seen_s,
                    last_seen_s=s.last_seen_s,
                    velocity=velocity,
                    hits=s.hits,
                    poses=tuple(s.poses),
                    path=s.path.snapshot(now),
                )
            )
        return snapshots

    def _match(
        self, detections: tuple[Detection, ...], boxes: FloatArray, t_s: float
    ) -> list[_TrackState | None]:
        """One score matrix for all tracks × detections; pairs of different labels are invalid."""
        config = self.config
        states = self._states
        pairs: list[tuple[int, int]] = []
        if states and len(detections):
            last = np.array([s.last_seen_s for s in states])
            unseen_s = np.maximum(t_s - last, 0.0)
            predict_s = np.minimum(unseen_s, config.max_predict_s)[:, None]
            shift = np.array([s.velocity for s in states]) * predict_s
            predicted = np.array([s.box for s in states]) + np.concatenate([shift, shift], axis=1)
            iou = iou_matrix(predicted, boxes)
            centre_t = (predicted[:, :2] + predicted[:, 2:]) / 2.0
            centre_d = (boxes[:, :2] + boxes[:, 2:]) / 2.0
            offset = centre_t[:, None, :] - centre_d[None, :, :]
            heights_t = predicted[:, 3] - predicted[:, 1]
            heights_d = boxes[:, 3] - boxes[:, 1]
            taller = np.maximum(np.maximum(heights_t[:, None], heights_d[None, :]), 1e-6)
            shorter = np.maximum(np.minimum(heights_t[:, None], heights_d[None, :]), 1e-6)
            distance_bh = np.hypot(offset[..., 0] * self.frame_aspect, offset[..., 1]) / taller
            gate = config.gate_bh + config.gate_growth_bh_per_s * np.maximum(unseen_s - 0.2, 0.0)
            closeness = np.clip(1.0 - distance_bh / gate[:, None], 0.0, None)
            codes: dict[str, int] = {}
            labels_t = np.array([codes.setdefault(s.label, len(codes)) for s in states])
            labels_d = np.array([codes.setdefault(d.label, len(codes)) for d in detections])
            same_label = labels_t[:, None] == labels_d[None, :]
            # overlapping boxes may change shape (a person falling: tall box → wide box); distant ones may not
            similar = taller / shorter <= config.max_size_ratio
            valid = same_label & ((iou >= config.min_iou) | ((closeness > 0.0) & similar))
            # confirmed tracks before tentative ones: a one-hit stray must not steal a known person's box
            confirmed = np.array([0.0 if s.id is None else 1.0 for s in states])
            score = iou + config.centre_weight * closeness + confirmed[:, None]
            pairs = greedy_assignment(score, valid)
        owners: list[_TrackState | None] = [None] * len(detections)
        rows = [(d.box.x1, d.box.y1, d.box.x2, d.box.y2) for d in detections]
        for row, col in pairs:
            state = states[row]
            state.update(rows[col], t_s, config.velocity_smoothing)
            if state.id is None and state.hits >= config.confirm_hits:
                state.id = next(self._ids)
            owners[col] = state
        for col, detection in enumerate(detections):
            if owners[col] is None:
                state = _TrackState(detection.label, rows[col], t_s, config)
                if config.confirm_hits <= 1:
                    state.id = next(self._ids)
                self._states.append(state)
                owners[col] = state
        return owners

    def _expire(self, t_s: float) -> None:
        config = self.config
        self._states = [
            s
            for s in self._states
            if t_s - s.last_seen_s
            <= (config.max_missing_s if s.id is not None else config.tentative_max_age_s)
        ]

    def _match_poses(
        self,
        poses: tuple[Pose, ...],
        det_boxes: FloatArray,
        person: NDArray[np.bool_],
        owners: list[_TrackState | None],
    ) -> list[_TrackState | None]:
        if not poses or not person.any():
            return [None] * len(poses)
        pose_boxes = np.array([_box_array(p.box) for p in poses])
        iou = iou_matrix(pose_boxes, det_boxes)
        valid = (iou >= self.config.pose_min_iou) & person[None, :]
        result: list[_TrackState | None] = [None] * len(poses)
        for row, col in greedy_assignment(iou, valid):
            result[row] = owners[col]
        return result
