"""Which detected people get a pose on this frame: those whose actions need one, the others now and then.

Poses are most of a frame's model time (MoveNet ~10-22 ms a person, docs/performance.md), and the actions
(`vigil.tracking.actions`) need them only for some people:
- a **fight** compares the limb speed of two people within about a body height of each other, over at least
  four 0.2 s sample intervals in 1.5 s, so people **close to another person** get a pose on every
  analysed frame (`close_interval_s`, 0 by default: a lower rate would leave the rule too few samples);
- a **fall** goes from an upright sample to a lying one within 1.2 s: people whose box is **low** (height /
  width below `low_aspect`: bending, falling, lying) or **moving fast** (box centre or height changing by
  more than `fast_bh_s` body heights a second) get a pose on every analysed frame (`needy_interval_s`);
- **running** and **loitering** are judged from the track's path, not from its poses.
Everyone else gets a pose every `idle_interval_s` (an upright sample for the fall rule, keypoints for the
live view), and a person seen for the first time gets one at once.

The scheduler keeps, per camera, the people of its previous frame and matches them to the new detections
by the distance of their box centres (a tracker of its own: the real tracks live in the API process, which
a pool worker never sees). With several workers, each sees some of a camera's frames and keeps its own
memory, so people get poses a little more often, never less.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.domain import Box, Detection


@dataclass(frozen=True)
class PoseSchedule:
    """The thresholds of `PoseScheduler`; crosses to the pool's workers, so plain and picklable."""

    idle_interval_s: float = 1.0
    needy_interval_s: float = 0.0  # fast or low people
    close_interval_s: float = 0.0  # people within `close_bh` of another person
    fast_bh_s: float = 1.5  # walking is 0.7-1.1 body heights a second, a brisk walk up to ~1.3
    close_bh: float = 1.5  # the fight rule's reach is 1.0 body height; a margin for the box's jitter
    low_aspect: float = 1.5  # the actions' UPRIGHT_BOX_ASPECT: below it a person is not plainly upright
    match_bh: float = 1.0  # the farthest a person's box centre moves between two frames, in body heights
    forget_s: float = 2.0  # a person unseen this long is new when seen again


@dataclass
class _Person:
    box: Box
    t_s: float
    last_pose_t: float | None = None


@dataclass(frozen=True)
class PoseReason:
    """Why a person gets a pose now (`reason`), or None when they do not."""

    detection: Detection
    reason: str | None


def body_height(box: Box) -> float:
    return max(box.y2 - box.y1, 1e-6)


def box_aspect(box: Box, frame_aspect: float) -> float:
    """Height / width in pixels of a normalised box in a frame of width / height `frame_aspect`."""
    return (box.y2 - box.y1) / max((box.x2 - box.x1) * frame_aspect, 1e-6)


def speed_bh_s(previous: Box, current: Box, dt_s: float, frame_aspect: float) -> float:
    """How fast a box moves or changes height, in body heights a second (x scaled to frame heights)."""
    if dt_s <= 0:
        return 0.0
    dx = ((current.x1 + current.x2) - (previous.x1 + previous.x2)) / 2 * frame_aspect
    dy = ((current.y1 + current.y2) - (previous.y1 + previous.y2)) / 2
    grow = abs(body_height(current) - body_height(previous))
    height = max(body_height(current), body_height(previous))
    return float(max((dx * dx + dy * dy) ** 0.5, grow) / height / dt_s)


def close_to_another(box: Box, others: list[Box], close_bh: float, frame_aspect: float) -> bool:
    """Whether another person's box centre is within `close_bh` body heights (the taller of the two)."""
    cx, cy = (box.x1 + box.x2) / 2 * frame_aspect, (box.y1 + box.y2) / 2
    for other in others:
        ox, oy = (other.x1 + other.x2) / 2 * frame_aspect, (other.y1 + other.y2) / 2
        reach = close_bh * max(body_height(box), body_height(other))
        if ((cx - ox) ** 2 + (cy - oy) ** 2) ** 0.5 <= reach:
            return True
    return False


def centre_distance_bh(a: Box, b: Box, frame_aspect: float) -> float:
    """Distance between two box centres in body heights (the taller box's), x scaled to frame heights."""
    dx = ((a.x1 + a.x2) - (b.x1 + b.x2)) / 2 * frame_aspect
    dy = ((a.y1 + a.y2) - (b.y1 + b.y2)) / 2
    return float((dx * dx + dy * dy) ** 0.5) / max(body_height(a), body_height(b))


@dataclass
class PoseScheduler:
    """One camera's memory of who had a pose when (see the module docstring)."""

    schedule: PoseSchedule = field(default_factory=PoseSchedule)
    _people: list[_Person] = field(default_factory=list)

    def choose(self, t_s: float, detections: list[Detection], frame_aspect: float) -> list[PoseReason]:
        """Every detected person, with the reason they get a pose now (None: not this frame). Updates the
        memory as if each chosen person got their pose."""
        s = self.schedule
        people = [d for d in detections if d.label == "person"]
        known = [p for p in self._people if t_s - p.t_s <= s.forget_s and t_s >= p.t_s]
        matched = self._match(people, known, frame_aspect)
        boxes = [d.box for d in people]
        decisions: list[PoseReason] = []
        now: list[_Person] = []
        for index, detection in enumerate(people):
            previous = matched.get(index)
            others = boxes[:index] + boxes[index + 1 :]
            reason = self._reason(t_s, detection.box, previous, others, frame_aspect)
            last_pose_t = previous.last_pose_t if previous is not None else None
            if reason is not None:
                last_pose_t = t_s
            now.append(_Person(detection.box, t_s, last_pose_t))
            decisions.append(PoseReason(detection, reason))
        self._people = now
        return decisions

    def _reason(
        self, t_s: float, box: Box, previous: _Person | None, others: list[Box], frame_aspect: float
    ) -> str | None:
        s = self.schedule
        if previous is None or previous.last_pose_t is None:
            return "new"
        since = t_s - previous.last_pose_t
        if close_to_another(box, others, s.close_bh, frame_aspect) and since >= s.close_interval_s:
            return "close"
        if box_aspect(box, frame_aspect) < s.low_aspect and since >= s.needy_interval_s:
            return "low"
        fast = speed_bh_s(previous.box, box, t_s - previous.t_s, frame_aspect) > s.fast_bh_s
        if fast and since >= s.needy_interval_s:
            return "fast"
        if since >= s.idle_interval_s - 1e-6:
            return "due"
        return None

    def _match(
        self, people: list[Detection], known: list[_Person], frame_aspect: float
    ) -> dict[int, _Person]:
        """Nearest first: detection index → the previous frame's person it continues (anyone farther than
        `match_bh` counts as new, so gets a pose: a mismatch gives more poses, never fewer)."""
        pairs = sorted(
            (centre_distance_bh(d.box, p.box, frame_aspect), i, j)
            for i, d in enumerate(people)
            for j, p in enumerate(known)
        )
        matched: dict[int, _Person] = {}
        used: set[int] = set()
        for distance, i, j in pairs:
            if distance > self.schedule.match_bh:
                break
            if i in matched or j in used:
                continue
            matched[i] = known[j]
            used.add(j)
        return matched
