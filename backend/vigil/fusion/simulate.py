"""Hand-built observation streams: for the fusion tests, the demo and trying rules without cameras.

Video observations come at a fixed analysis rate with the detections, faces and actions a scene function
gives for each instant. Sound comes the way the pipeline delivers it (`vigil.pipeline.audio`): one audio
observation per hop (1 s) for the window (3 s) ending then, each stretch of sound reported once, a long
sound in pieces as it goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from vigil.domain import EMOTIONS, ActionEvidence, Box, Detection, Emotion, Face, Observation, SoundEvent
from vigil.pipeline.audio import SOUND_HOP_S, SOUND_WINDOW_S, SoundEventMerger


@dataclass(frozen=True, slots=True)
class Scene:
    """What one video observation shows."""

    detections: tuple[Detection, ...] = ()
    faces: tuple[Face, ...] = ()
    actions: tuple[ActionEvidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Sound:
    """A sound that happens between `t_s` and `end_s`, as the ensemble would label it."""

    label: str
    conf: float
    t_s: float
    end_s: float
    source: str = "simulated"


@dataclass(slots=True)
class StreamClock:
    """Camera clock → wall clock: `wall_time_s = wall_start_s + t_s`."""

    camera_id: int = 1
    wall_start_s: float = 0.0
    fps: float = 5.0
    extra: list[Observation] = field(default_factory=list)


def person_box(x: float, y_foot: float = 0.9, height: float = 0.3) -> Box:
    """A standing person whose feet are at (x, y_foot), `height` frame heights tall."""
    width = height / 2.5
    return Box(max(0.0, x - width / 2), max(0.0, y_foot - height), min(1.0, x + width / 2), y_foot)


def person(track_id: int, x: float, y_foot: float = 0.9, conf: float = 0.85) -> Detection:
    return Detection("person", conf, person_box(x, y_foot), track_id)


def walker(
    track_id: int, t0: float, x0: float, speed: float, y_foot: float = 0.9, conf: float = 0.85
) -> Callable[[float], Detection | None]:
    """A person walking across the view from `x0` at `speed` frame widths per second; gone off the edge."""

    def at(t: float) -> Detection | None:
        x = x0 + speed * (t - t0)
        if t < t0 or not 0.0 <= x <= 1.0:
            return None
        return person(track_id, x, y_foot, conf)

    return at


def face(track_id: int, x: float, emotion: str, prob: float, y_foot: float = 0.9) -> Face:
    """A face on the head of `person(track_id, x)`, whose emotion model gave `prob` to `emotion`."""
    body = person_box(x, y_foot)
    rest = (1.0 - prob) / (len(EMOTIONS) - 1)
    scores = tuple(prob if e == emotion else rest for e in EMOTIONS)
    head = Box(body.x1, body.y1, body.x2, body.y1 + (body.y2 - body.y1) / 6)
    return Face(head, 0.9, Emotion(emotion, prob, scores), track_id)


def action(
    label: str, conf: float, t_s: float, track_ids: Sequence[int], x: float, zone: str | None = None
) -> ActionEvidence:
    return ActionEvidence(label, conf, t_s, tuple(track_ids), person_box(x), f"simulated {label}", zone)


def video(
    clock: StreamClock, t0: float, t1: float, scene: Callable[[float], Scene], motion: float = 0.01
) -> list[Observation]:
    """Video observations at `clock.fps` from `t0` (inclusive) to `t1` (exclusive)."""
    out = []
    n = round((t1 - t0) * clock.fps)
    for i in range(n):
        t = round(t0 + i / clock.fps, 6)
        s = scene(t)
        out.append(
            Observation(
                camera_id=clock.camera_id,
                t_s=t,
                wall_time_s=clock.wall_start_s + t,
                motion=motion,
                detections=s.detections,
                faces=s.faces,
                actions=s.actions,
            )
        )
    return out


def audio(
    clock: StreamClock,
    t0: float,
    t1: float,
    sounds: Iterable[Sound],
    window_s: float = SOUND_WINDOW_S,
    hop_s: float = SOUND_HOP_S,
) -> list[Observation]:
    """Audio observations every `hop_s` from `t0 + window_s` to `t1`, as the pipeline reports sound."""
    sounds = sorted(sounds, key=lambda s: (s.t_s, s.label))
    merger = SoundEventMerger()
    out = []
    end = t0 + window_s
    while end <= t1 + 1e-9:
        start = end - window_s
        heard = [
            SoundEvent(s.label, s.conf, round(max(s.t_s, start), 6), round(min(s.end_s, end), 6), s.source)
            for s in sounds
            if s.t_s < end and s.end_s > start
        ]
        fresh = tuple(merger.fresh(heard))
        out.append(
            Observation(
                camera_id=clock.camera_id,
                t_s=round(end, 6),
                wall_time_s=clock.wall_start_s + end,
                sounds=fresh,
                modality="audio",
            )
        )
        end += hop_s
    return out


def merged(*streams: Sequence[Observation]) -> list[Observation]:
    """One stream in time order; at equal times video first (as frames arrive before their sound window)."""
    everything = [o for stream in streams for o in stream]
    return sorted(everything, key=lambda o: (o.t_s, o.modality != "video", o.camera_id))


def crowd(n: int, t: float, conf: float = 0.8, first_track: int = 1) -> tuple[Detection, ...]:
    """`n` people spread across the view, drifting slowly."""
    return tuple(
        person(first_track + i, 0.05 + 0.9 * ((i + 0.5) / n + 0.01 * t) % 0.9, 0.6 + 0.3 * (i % 3) / 3, conf)
        for i in range(n)
    )
