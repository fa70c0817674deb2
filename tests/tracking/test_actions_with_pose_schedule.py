"""The synthetic fall, fight and running scenes of `test_actions` give the same actions when poses come only
for the people the pose schedule picks (`vigil.perception.pose_schedule`), as in a worker with
`PerceptionConfig.pose_schedule` set."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest

from tests.tracking.test_actions import (
    ASPECT,
    FALL_AT,
    FALL_TAKES,
    HEIGHT,
    Scene,
    body,
    flailing,
    observations,
    person,
    ramp,
    walker,
)
from vigil.domain import Detection, Observation, Pose
from vigil.perception.pose_schedule import PoseSchedule, PoseScheduler
from vigil.tracking.actions import CameraActions


def scheduled(frames: Iterator[Observation], schedule: PoseSchedule) -> Iterator[tuple[Observation, int]]:
    """Each observation with only the poses of the people the schedule picks, and how many it kept."""
    scheduler = PoseScheduler(schedule)
    for observation in frames:
        chosen = scheduler.choose(observation.t_s, list(observation.detections), ASPECT)
        boxes = {c.detection.box for c in chosen if c.reason is not None}
        poses = tuple(p for p in observation.poses if p.box in boxes)
        yield dataclasses.replace(observation, poses=poses), len(poses)


def first_actions(
    scene: Scene, seconds: float, schedule: PoseSchedule | None
) -> tuple[dict[str, float], float]:
    """label → the first time it was reported, and the share of people-frames that got a pose."""
    camera = CameraActions(frame_aspect=ASPECT)
    frames = observations(scene, seconds)
    firsts: dict[str, float] = {}
    posed = people = 0
    items = scheduled(frames, schedule) if schedule is not None else ((o, len(o.poses)) for o in frames)
    for observation, kept in items:
        posed += kept
        people += len(observation.detections)
        result = camera.update(observation)
        for action in result.actions:
            firsts.setdefault(action.label, result.t_s)
    return firsts, posed / max(people, 1)


def fall(t: float, rng: np.random.Generator) -> list[tuple[Detection, Pose]]:
    return [person(body(lean_deg=90 * ramp(t, FALL_AT, FALL_TAKES)), 0.5, 0.8, rng)]


def fight(t: float, rng: np.random.Generator) -> list[tuple[Detection, Pose]]:
    arms_a = flailing(t, 0.0) if t >= 2.0 else None
    arms_b = flailing(t, 1.7) if t >= 2.0 else None
    return [
        person(body(arms=arms_a), 0.45, 0.8, rng),
        person(body(arms=arms_b), 0.45 + 0.5 * HEIGHT / ASPECT, 0.8, rng),
    ]


def lonely_flailer(t: float, rng: np.random.Generator) -> list[tuple[Detection, Pose]]:
    return [person(body(arms=flailing(t, 0.0)), 0.2, 0.8, rng), person(body(), 0.8, 0.8, rng)]


@pytest.mark.parametrize(
    ("what", "scene", "seconds", "expected"),
    [
        ("a fall", fall, 8.0, {"fall"}),
        ("a fight", fight, 6.0, {"fight"}),
        ("a runner", walker(2.5, swing=0.15), 2.4, {"running"}),
        ("a jogger", walker(1.7), 6.0, set()),
        ("one person flailing alone", lonely_flailer, 6.0, set()),
    ],
)
def test_the_actions_and_their_times_are_the_same_with_the_pose_schedule(
    what: str, scene: Scene, seconds: float, expected: set[str]
) -> None:
    every, _ = first_actions(scene, seconds, None)
    chosen, share = first_actions(scene, seconds, PoseSchedule())
    assert set(every) == expected, (what, every)
    assert chosen == every, what
    assert share <= 1.0


def test_the_schedule_saves_poses_where_nothing_needs_them() -> None:
    _, walkers = first_actions(walker(0.8), 6.0, PoseSchedule())
    _, fighters = first_actions(fight, 6.0, PoseSchedule())
    assert walkers < 0.3  # a walker alone: one pose a second of five frames, and the first
    assert fighters == 1.0  # people within reach of each other: every frame
