"""Actions from tracked pose sequences: fall, fight, running, loitering.

Runs per camera in the API process after each observation (`CameraActions`), on the tracks of
`vigil.tracking`. Pure numpy/Python, no model: every action is a rule on measured features, and every
threshold is a named constant below saying why it has its value. Each `ActionEvidence` says in `detail`
which features fired, and `conf` grows from 0.5 at the thresholds to 1.0 well past them.

Units: positions in frame heights (x scaled by the frame's aspect ratio), lengths in body heights (the
track's box height while upright), angles in degrees, times in seconds on the camera clock.

Features, per pose sample of a person track (keypoints count from `KEYPOINT_MIN_CONF`):
- torso elevation: the angle of the hip-centre → shoulder-centre line above the horizontal (90° upright,
  0° lying); unknown without a shoulder and a hip;
- box aspect: box height / width in pixels;
- hip height: the hip centre's y (the box centre's without hips);
- limb speed: the fastest wrist or elbow between two samples, relative to the torso centre (so walking does
  not count), in body heights per second; left and right may be swapped by the pose model between samples,
  so the smaller of the straight and the swapped displacement is taken.

A sample is upright when its torso elevation ≥ `UPRIGHT_TORSO_DEG` (box aspect ≥ `UPRIGHT_BOX_ASPECT`
without a torso), lying when the elevation ≤ `LYING_TORSO_DEG` (box aspect ≤ `LYING_BOX_ASPECT`).
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from vigil.domain import COCO_KEYPOINTS, ActionEvidence, Box, Observation, Pose
from vigil.tracking.tracker import Track, Tracker, TrackerConfig
from vigil.tracking.zones import Zone, ZoneDwell, ZoneStay

KP = {name: index for index, name in enumerate(COCO_KEYPOINTS)}
LIMBS = (("left_wrist", "right_wrist"), ("left_elbow", "right_elbow"))
LIMB_INDICES = tuple(KP[name] for pair in LIMBS for name in pair)

# ---------------------------------------------------------------------------------------------------------
# Thresholds
# ---------------------------------------------------------------------------------------------------------
KEYPOINT_MIN_CONF = 0.3
"""The pose estimator's own threshold for a keypoint it counts (`vigil.perception.pose`)."""

UPRIGHT_TORSO_DEG = 60.0
"""Standing and walking torsos lean < 20° from vertical (elevation ≥ 70°); 60° leaves room for a slouch or a
camera looking down, while a person bending over to pick something up drops below it."""

LYING_TORSO_DEG = 35.0
"""A person on the ground has a torso within ~20° of horizontal; 35° tolerates a propped-up shoulder and a
foreshortened torso, and stays well below anyone on their feet."""

UPRIGHT_BOX_ASPECT = 1.5
"""Without a torso: a standing person's box is 2-3× taller than wide; 1.5 still counts a walker with
swinging arms."""

LYING_BOX_ASPECT = 0.9
"""Without a torso: a person lying across the view has a box wider than tall."""

FALL_MAX_TRANSITION_S = 1.2
"""From the last upright sample to the first lying one: a fall takes 0.5-1 s; plus one 0.2 s sample
interval at 5 fps. Sitting or lying down on purpose takes longer."""

FALL_MIN_DROP_BH = 0.25
"""The hips drop from ~0.5 body heights above the ground to ~0.1 in a fall; bending over lowers them
< 0.15, so a drop of a quarter body height separates them with margin on both sides."""

FALL_MIN_DOWN_S = 1.5
"""Down this long after landing: a stumble with an immediate recovery is back up within about a second;
someone still down after 1.5 s has not caught themselves, and the alert is not delayed much longer."""

FIGHT_MAX_DISTANCE_BH = 1.0
"""Torso centres at most one body height apart (horizontal, in frame heights / body height): within arm's
reach of each other, including a lunge."""

FIGHT_LIMB_SPEED_BH_S = 1.5
"""Wrist/elbow speed relative to the torso. Walking arm swing is < 1 body height/s (measured on vtest
walkers: see docs); punches and shoves move the hand ~0.4 body heights in 0.1-0.3 s (> 2 body heights/s,
still > 1.5 when sampled every 0.2 s)."""

FIGHT_WINDOW_S = 1.5
"""Fast limb motion must be sustained over this window: one quick gesture (a wave, a pointing arm) is not a
fight, several in 1.5 s are."""

FIGHT_MIN_ACTIVE_FRACTION = 0.5
"""Share of the window's sample intervals in which either person's limbs move faster than the threshold."""

FIGHT_MIN_SAMPLES = 4
"""Sample intervals needed in the window before deciding: 4 × 0.2 s at 5 fps."""

RUNNING_SPEED_BH_S = 2.0
"""Walking is 0.7-1.1 body heights per second (1.2-1.9 m/s for 1.7 m), a brisk walk up to ~1.3; jogging
starts around 1.6 (2.7 m/s) and running is 2-4. Measured on the plaza scenario (vtest re-encoded): walkers
whose box grows or shrinks at the frame's edge reach 1.6-1.9 over a second, so 1.6 called them runners;
2.0 keeps runners and leaves joggers out."""

RUNNING_WINDOW_S = 1.5
"""Speed is the net displacement over this window (not between two samples), so box jitter and one bad
detection do not make a runner; a second and a half of sustained speed is what a running person shows."""

LOITER_MIN_DWELL_S = 60.0
"""Default dwell before loitering (a zone's own `loiter_s` overrides it): waiting a minute in one place is
unusual for a passer-by and common enough that a lower default would flag everyone at a bus stop."""

LOITER_MAX_NET_SPEED_BH_S = 0.1
"""'Moving little': the net displacement over the dwell threshold divided by it. A passer-by covers ≥ 0.7
body heights/s; someone pacing or standing returns near where they were (6 body heights in a minute at
most)."""

ACTION_MAX_STALE_S = 0.5
"""Tracks unseen longer than this (a missed detection or two) are not judged: their box is a prediction."""

FEATURE_HISTORY_S = 10.0
"""Per-track feature samples kept by the recognizer: covers the fight window and a fall's transition."""


@dataclass(frozen=True, slots=True)
class ActionConfig:
    upright_torso_deg: float = UPRIGHT_TORSO_DEG
    lying_torso_deg: float = LYING_TORSO_DEG
    upright_box_aspect: float = UPRIGHT_BOX_ASPECT
    lying_box_aspect: float = LYING_BOX_ASPECT
    fall_max_transition_s: float = FALL_MAX_TRANSITION_S
    fall_min_drop_bh: float = FALL_MIN_DROP_BH
    fall_min_down_s: float = FALL_MIN_DOWN_S
    fight_max_distance_bh: float = FIGHT_MAX_DISTANCE_BH
    fight_limb_speed_bh_s: float = FIGHT_LIMB_SPEED_BH_S
    fight_window_s: float = FIGHT_WINDOW_S
    fight_min_active_fraction: float = FIGHT_MIN_ACTIVE_FRACTION
    fight_min_samples: int = FIGHT_MIN_SAMPLES
    running_speed_bh_s: float = RUNNING_SPEED_BH_S
    running_window_s: float = RUNNING_WINDOW_S
    loiter_min_dwell_s: float = LOITER_MIN_DWELL_S
    loiter_max_net_speed_bh_s: float = LOITER_MAX_NET_SPEED_BH_S
    keypoint_min_conf: float = KEYPOINT_MIN_CONF
    max_stale_s: float = ACTION_MAX_STALE_S


class ActionRecognizer(Protocol):
    """Actions at `t_s` from the camera's confirmed tracks and their zone stays.

    `stays` is None when the camera has no zones: then the whole view counts as one zone for loitering.
    """

    name: str

    def recognize(
        self, t_s: float, tracks: Sequence[Track], stays: Sequence[ZoneStay] | None
    ) -> list[ActionEvidence]: ...


def past(value: float, threshold: float, full: float) -> float:
    """0 at the threshold, 1 at `full` (beyond the threshold in either direction), clipped."""
    if full == threshold:
        return 1.0
    return min(max((value - threshold) / (full - threshold), 0.0), 1.0)


def confidence(*margins: float) -> float:
    """0.5 when every feature just passes its threshold, 1.0 when all are far past."""
    return round(0.5 + 0.5 * float(sum(margins)) / len(margins), 3)


@dataclass(frozen=True, slots=True)
class PoseFeatures:
    """The features of one pose sample of one track (see the module docstring)."""

    t_s: float
    elevation_deg: float | None
    box_aspect: float
    hip_y: float
    body_h: float  # box height, frame heights
    centre: tuple[float, float]  # torso centre (box centre without a torso), frame heights
    limbs: tuple[tuple[float, float] | None, ...]  # LIMBS flattened: lw, rw, le, re, relative to centre
    limb_speed_bh_s: float | None = None  # against the previous sample


def pose_features(
    t_s: float,
    pose: Pose,
    aspect: float,
    min_conf: float = KEYPOINT_MIN_CONF,
    previous: PoseFeatures | None = None,
) -> PoseFeatures:
    """Features of one pose; `aspect` is the frame's width / height; `previous`: the track's previous
    sample, for the limb speed."""
    points = [(k.x * aspect, k.y) if k.conf >= min_conf else None for k in pose.keypoints]

    def mid(a: int, b: int) -> tuple[float, float] | None:
        pa, pb = points[a], points[b]
        if pa is None or pb is None:
            return pa or pb
        return ((pa[0] + pb[0]) / 2.0, (pa[1] + pb[1]) / 2.0)

    box = pose.box
    width = max((box.x2 - box.x1) * aspect, 1e-6)
    height = max(box.y2 - box.y1, 1e-6)
    shoulders = mid(KP["left_shoulder"], KP["right_shoulder"])
    hips = mid(KP["left_hip"], KP["right_hip"])
    elevation = None
    box_centre = ((box.x1 + box.x2) / 2.0 * aspect, (box.y1 + box.y2) / 2.0)
    centre = box_centre
    if shoulders is not None and hips is not None:
        centre = ((shoulders[0] + hips[0]) / 2.0, (shoulders[1] + hips[1]) / 2.0)
        up = hips[1] - shoulders[1]
        across = abs(shoulders[0] - hips[0])
        if math.hypot(up, across) > 0.05 * height:  # a torso shorter than that is a keypoint glitch
            elevation = math.degrees(math.atan2(up, across))
    limbs = tuple(
        None if p is None else (p[0] - centre[0], p[1] - centre[1]) for p in (points[i] for i in LIMB_INDICES)
    )
    return PoseFeatures(
        t_s=t_s,
        elevation_deg=elevation,
        box_aspect=height / width,
        hip_y=hips[1] if hips is not None else box_centre[1],
        body_h=height,
        centre=centre,
        limbs=limbs,
        limb_speed_bh_s=None if previous is None else _limb_speed(previous, t_s, height, limbs),
    )


def box_features(t_s: float, box: Box, aspect: float) -> PoseFeatures:
    """Features of a sample without a pose: box aspect, box centre as hip height and torso centre."""
    width = max((box.x2 - box.x1) * aspect, 1e-6)
    height = max(box.y2 - box.y1, 1e-6)
    centre = ((box.x1 + box.x2) / 2.0 * aspect, (box.y1 + box.y2) / 2.0)
    return PoseFeatures(t_s, None, height / width, centre[1], height, centre, (None, None, None, None))


def limb_speed(previous: PoseFeatures, current: PoseFeatures) -> float | None:
    """Fastest wrist/elbow motion relative to the torso between two samples, body heights per second;
    left/right swaps between samples are forgiven. None without a limb seen in both samples."""
    return _limb_speed(previous, current.t_s, current.body_h, current.limbs)


Limb = tuple[float, float] | None


def _limb_speed(previous: PoseFeatures, t_s: float, body_h: float, limbs: tuple[Limb, ...]) -> float | None:
    dt = t_s - previous.t_s
    if dt <= 1e-6:
        return None
    scale = 2.0 / ((previous.body_h + body_h) * dt)
    fastest: float | None = None
    old = previous.limbs
    for j in (0, 2):  # (left, right) wrists, then elbows
        a0, b0, a1, b1 = old[j], old[j + 1], limbs[j], limbs[j + 1]
        straight = max(_move(a0, a1), _move(b0, b1))
        swapped = max(_move(a0, b1), _move(b0, a1))
        best = min(m for m in (straight, swapped) if m >= 0.0) if max(straight, swapped) >= 0.0 else -1.0
        if best >= 0.0:
            speed = best * scale
            fastest = speed if fastest is None or speed > fastest else fastest
    return fastest


def _move(p: Limb, q: Limb) -> float:
    """Distance from p to q, or -1 when either is missing."""
    return -1.0 if p is None or q is None else math.hypot(q[0] - p[0], q[1] - p[1])


class _FallState:
    __slots__ = ("down_hips", "down_since_s", "up")

    def __init__(self) -> None:
        self.up: PoseFeatures | None = None  # the last upright sample
        self.down_since_s: float | None = None  # first lying sample of a quick transition, while still down
        self.down_hips: list[float] = []


class _TrackFeatures:
    __slots__ = ("centres", "fall", "last_t_s", "samples")

    def __init__(self) -> None:
        self.samples: deque[PoseFeatures] = deque()
        self.last_t_s = -math.inf
        self.fall = _FallState()
        self.centres: deque[tuple[float, float, float, float]] = deque()  # t, box centre x, y, box height


class PoseActionRecognizer:
    """Rule-based actions from tracked pose sequences and track paths (features and thresholds above).

    Stateful per camera: it keeps a few seconds of features per track, fed by the new poses of each call.
    """

    name = "pose-rules"

    def __init__(self, config: ActionConfig | None = None, frame_aspect: float = 16 / 9) -> None:
        self.config = config or ActionConfig()
        self.frame_aspect = frame_aspect
        self._tracks: dict[int, _TrackFeatures] = {}

    def recognize(
        self, t_s: float, tracks: Sequence[Track], stays: Sequence[ZoneStay] | None
    ) -> list[ActionEvidence]:
        people = [t for t in tracks if t.label == "person"]
        known = self._tracks
        self._tracks = {t.id: known[t.id] if t.id in known else _TrackFeatures() for t in people}
        fresh = [t for t in people if t_s - t.last_seen_s <= self.config.max_stale_s]
        for track in people:
            self._ingest(track)
        actions: list[ActionEvidence] = []
        for track in fresh:
            fall = self._fall(t_s, track)
            if fall is not None:
                actions.append(fall)
            running = self._running(t_s, track)
            if running is not None:
                actions.append(running)
        actions.extend(self._fights(t_s, fresh))
        actions.extend(self._loitering(t_s, fresh, stays))
        return actions

    # -----------------------------------------------------------------------------------------------------
    def _ingest(self, track: Track) -> None:
        """Features of the samples the track gained since the last call: from its pose where it has one,
        from its box alone where the pose model found no pose (people lying down often get none)."""
        state = self._tracks[track.id]
        config = self.config
        path = track.path
        if not len(path) or path[-1, 0] <= state.last_t_s:
            return
        fresh = 1 if len(path) < 2 or path[-2, 0] <= state.last_t_s else len(path)
        poses = {}
        for timed in reversed(track.poses):
            if timed.t_s <= state.last_t_s:
                break
            poses[timed.t_s] = timed.pose
        for t_s, x1, y1, x2, y2 in path[-fresh:].tolist():
            if t_s <= state.last_t_s:
                continue
            previous = state.samples[-1] if state.samples else None
            pose = poses.get(t_s)
            if pose is None:
                features = box_features(t_s, Box(x1, y1, x2, y2), self.frame_aspect)
            else:
                features = pose_features(t_s, pose, self.frame_aspect, config.keypoint_min_conf, previous)
            state.samples.append(features)
            state.centres.append((t_s, (x1 + x2) / 2.0 * self.frame_aspect, (y1 + y2) / 2.0, y2 - y1))
            state.last_t_s = t_s
            self._step_fall(state.fall, features)
        while state.samples[0].t_s < state.last_t_s - FEATURE_HISTORY_S:
            state.samples.popleft()
        while state.centres[0][0] < state.last_t_s - FEATURE_HISTORY_S:
            state.centres.popleft()

    def _upright(self, f: PoseFeatures) -> bool:
        if f.elevation_deg is not None:
            return f.elevation_deg >= self.config.upright_torso_deg
        return f.box_aspect >= self.config.upright_box_aspect

    def _lying(self, f: PoseFeatures) -> bool:
        if f.elevation_deg is not None:
            return f.elevation_deg <= self.config.lying_torso_deg
        return f.box_aspect <= self.config.lying_box_aspect

    def _step_fall(self, fall: _FallState, f: PoseFeatures) -> None:
        if self._upright(f):
            fall.up = f
            fall.down_since_s = None
            fall.down_hips = []
        elif fall.down_since_s is not None:
            fall.down_hips.append(f.hip_y)  # still down (lying or half up): the fall goes on
        elif (
            self._lying(f)
            and fall.up is not None
            and f.t_s - fall.up.t_s <= self.config.fall_max_transition_s
        ):
            fall.down_since_s = f.t_s
            fall.down_hips = [f.hip_y]

    def _fall(self, t_s: float, track: Track) -> ActionEvidence | None:
        config = self.config
        state = self._tracks[track.id]
        fall = state.fall
        if fall.down_since_s is None or fall.up is None or not state.samples:
            return None
        down_s = state.samples[-1].t_s - fall.down_since_s
        drop_bh = (float(np.median(fall.down_hips)) - fall.up.hip_y) / max(fall.up.body_h, 1e-6)
        if down_s < config.fall_min_down_s or drop_bh < config.fall_min_drop_bh:
            return None
        transition_s = fall.down_since_s - fall.up.t_s
        lying = [f for f in state.samples if f.t_s >= fall.down_since_s]
        elevations = [f.elevation_deg for f in lying if f.elevation_deg is not None]
        up_angle = fall.up.elevation_deg
        if up_angle is not None and elevations:
            posture = f"torso {up_angle:.0f}°→{float(np.median(elevations)):.0f}°"
        else:
            posture = (
                f"box h/w {fall.up.box_aspect:.1f}→{float(np.median([f.box_aspect for f in lying])):.1f}"
            )
        detail = (
            f"{posture} in {transition_s:.1f} s, hips dropped {drop_bh:.2f} body heights, "
            f"down {down_s:.1f} s "
            f"(fall: ≤ {config.fall_max_transition_s:g} s, ≥ {config.fall_min_drop_bh:g}, "
            f"≥ {config.fall_min_down_s:g} s)"
        )
        conf = confidence(
            past(transition_s, config.fall_max_transition_s, 0.3),
            past(drop_bh, config.fall_min_drop_bh, 2 * config.fall_min_drop_bh),
            past(down_s, config.fall_min_down_s, 3 * config.fall_min_down_s),
        )
        return ActionEvidence("fall", conf, t_s, (track.id,), track.box, detail)

    def _running(self, t_s: float, track: Track) -> ActionEvidence | None:
        config = self.config
        centres = self._tracks[track.id].centres
        if len(centres) < 3:
            return None
        last = centres[-1]
        start_t = last[0] - config.running_window_s + 1e-3  # 1 ms of slack for float clocks
        first = None
        heights = []
        for c in reversed(centres):  # back to the last sample at or before the window's start
            heights.append(c[3])
            if c[0] <= start_t:
                first = c
                break
        if first is None:
            return None
        span_s = last[0] - first[0]
        if span_s < 0.8 * config.running_window_s:
            return None
        body = sorted(heights)[len(heights) // 2]
        speed = math.hypot(last[1] - first[1], last[2] - first[2]) / span_s / max(body, 1e-6)
        if speed < config.running_speed_bh_s:
            return None
        detail = f"{speed:.1f} body heights/s over {span_s:.1f} s (running: ≥ {config.running_speed_bh_s:g})"
        conf = confidence(past(speed, config.running_speed_bh_s, 2 * config.running_speed_bh_s))
        return ActionEvidence("running", conf, t_s, (track.id,), track.box, detail)

    def _fights(self, t_s: float, tracks: Sequence[Track]) -> list[ActionEvidence]:
        config = self.config
        since = t_s - config.fight_window_s
        latest: list[PoseFeatures] = []
        window_speeds: list[list[float]] = []
        active_counts: list[int] = []
        candidates: list[Track] = []
        for track in tracks:
            samples = self._tracks[track.id].samples
            if not samples or samples[-1].t_s < t_s - config.max_stale_s:
                continue
            speeds: list[float] = []
            for f in reversed(samples):
                if f.t_s <= since:
                    break
                if f.limb_speed_bh_s is not None:
                    speeds.append(f.limb_speed_bh_s)
            candidates.append(track)
            latest.append(samples[-1])
            window_speeds.append(speeds)
            active_counts.append(sum(1 for v in speeds if v >= config.fight_limb_speed_bh_s))
        if len(candidates) < 2:
            return []
        centres = np.array([f.centre for f in latest])
        bodies = np.array([f.body_h for f in latest])
        offsets = centres[:, None, :] - centres[None, :, :]
        distance_bh = np.hypot(offsets[..., 0], offsets[..., 1]) / ((bodies[:, None] + bodies[None, :]) / 2.0)
        close = np.triu(distance_bh <= config.fight_max_distance_bh, k=1)
        found: list[ActionEvidence] = []
        for i, j in zip(*np.nonzero(close), strict=True):
            n_samples = len(window_speeds[i]) + len(window_speeds[j])
            if n_samples < config.fight_min_samples:
                continue
            active = (active_counts[i] + active_counts[j]) / n_samples
            if active < config.fight_min_active_fraction:
                continue
            speeds = window_speeds[i] + window_speeds[j]
            a, b = candidates[i], candidates[j]
            distance = float(distance_bh[i, j])
            detail = (
                f"{distance:.1f} body heights apart, limbs ≥ {config.fight_limb_speed_bh_s:g} body "
                f"heights/s in {active:.0%} of {len(speeds)} samples over {config.fight_window_s:g} s "
                f"(peak {max(speeds):.1f}); fight: ≤ {config.fight_max_distance_bh:g} apart, "
                f"≥ {config.fight_min_active_fraction:.0%} active"
            )
            conf = confidence(
                past(distance, config.fight_max_distance_bh, 0.3 * config.fight_max_distance_bh),
                past(active, config.fight_min_active_fraction, 1.0),
                past(
                    float(np.median(speeds)), config.fight_limb_speed_bh_s, 2 * config.fight_limb_speed_bh_s
                ),
            )
            found.append(ActionEvidence("fight", conf, t_s, (a.id, b.id), _union(a.box, b.box), detail))
        return found

    def _loitering(
        self, t_s: float, tracks: Sequence[Track], stays: Sequence[ZoneStay] | None
    ) -> list[ActionEvidence]:
        config = self.config
        by_id = {t.id: t for t in tracks}
        if stays is None:
            spans: Iterable[tuple[Track, float, float | None, str | None]] = [
                (t, t.last_seen_s - t.first_seen_s, None, None) for t in tracks
            ]
        else:
            spans = [
                (by_id[s.track_id], s.dwell_s, s.zone.loiter_s, s.zone.name)
                for s in stays
                if s.track_id in by_id and s.last_inside_s >= t_s - config.max_stale_s
            ]
        found = []
        for track, dwell_s, zone_threshold, zone in spans:
            threshold = zone_threshold if zone_threshold is not None else config.loiter_min_dwell_s
            if dwell_s < threshold:
                continue
            path = track.path
            start = int(np.searchsorted(path[:, 0], path[-1, 0] - threshold, side="left"))
            window = path[start:]
            if len(window) < 2:
                continue
            body = float(np.median(window[:, 4] - window[:, 2]))
            span_s = max(window[-1, 0] - window[0, 0], 1e-6)
            dx = ((window[-1, 1] + window[-1, 3]) - (window[0, 1] + window[0, 3])) / 2.0 * self.frame_aspect
            dy = window[-1, 4] - window[0, 4]
            net_speed = math.hypot(dx, dy) / span_s / max(body, 1e-6)
            if net_speed > config.loiter_max_net_speed_bh_s:
                continue
            where = f"in zone {zone!r}" if zone is not None else "in view"
            detail = (
                f"{dwell_s:.0f} s {where}, net {net_speed:.2f} body heights/s over the last {threshold:g} s "
                f"(loitering: ≥ {threshold:g} s, ≤ {config.loiter_max_net_speed_bh_s:g} body heights/s)"
            )
            conf = confidence(
                past(dwell_s, threshold, 2 * threshold),
                past(net_speed, config.loiter_max_net_speed_bh_s, 0.0),
            )
            found.append(ActionEvidence("loitering", conf, t_s, (track.id,), track.box, detail, zone))
        return found


def _union(a: Box, b: Box) -> Box:
    return Box(min(a.x1, b.x1), min(a.y1, b.y1), max(a.x2, b.x2), max(a.y2, b.y2))


class CameraActions:
    """Tracker + zones + action recognizer of one camera: `update` fills track ids and actions.

    Observations must come in time order. Audio-only observations (`modality` "audio") pass unchanged.
    `frame_aspect` is the camera frame's width / height.
    """

    def __init__(
        self,
        zones: Iterable[Zone] = (),
        frame_aspect: float = 16 / 9,
        tracker_config: TrackerConfig | None = None,
        action_config: ActionConfig | None = None,
        recognizer: ActionRecognizer | None = None,
    ) -> None:
        self.zones = tuple(zones)
        action_config = action_config or ActionConfig()
        longest_dwell = max(
            [action_config.loiter_min_dwell_s, *(z.loiter_s for z in self.zones if z.loiter_s is not None)]
        )
        tracker_config = tracker_config or TrackerConfig()
        if tracker_config.path_history_s < longest_dwell + 5.0:
            tracker_config = dataclasses.replace(tracker_config, path_history_s=longest_dwell + 5.0)
        self.tracker = Tracker(tracker_config, frame_aspect)
        self.dwell = ZoneDwell(self.zones)
        self.recognizer: ActionRecognizer = recognizer or PoseActionRecognizer(action_config, frame_aspect)

    def update(self, observation: Observation) -> Observation:
        if observation.modality != "video":
            return observation
        tracked = self.tracker.update(observation)
        t_s = self.tracker.now_s if self.tracker.now_s is not None else observation.t_s
        tracks = self.tracker.tracks()
        seen = [(t.id, t.box) for t in tracks if t.last_seen_s >= t_s]
        stays = self.dwell.update(t_s, seen) if self.zones else None
        actions = self.recognizer.recognize(t_s, tracks, stays)
        if not actions:
            return tracked
        return dataclasses.replace(tracked, actions=(*tracked.actions, *actions))
