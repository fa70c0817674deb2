"""Who gets a pose, and when: people whose actions need one on every analysed frame, the others now and
then (`vigil.perception.pose_schedule`)."""

from __future__ import annotations

from vigil.domain import Box, Detection
from vigil.perception.pose_schedule import PoseSchedule, PoseScheduler

ASPECT = 4 / 3  # 768×576
FPS = 5


def person(x: float, y: float = 0.3, w: float = 0.06, h: float = 0.3) -> Detection:
    return Detection("person", 0.8, Box(x, y, x + w, y + h))


def lying(x: float) -> Detection:
    return Detection("person", 0.8, Box(x, 0.6, x + 0.2, 0.7))


def reasons(scheduler: PoseScheduler, t_s: float, people: list[Detection]) -> list[str | None]:
    return [choice.reason for choice in scheduler.choose(t_s, people, ASPECT)]


def test_a_walker_gets_a_pose_when_first_seen_then_once_a_second() -> None:
    scheduler = PoseScheduler(PoseSchedule(idle_interval_s=1.0))
    got = []
    for i in range(11):  # 2 s at 5 fps, walking 0.05 frame widths a second (~0.2 body heights/s)
        got.append(reasons(scheduler, i / FPS, [person(0.2 + 0.01 * i / FPS)])[0])
    assert got == ["new", None, None, None, None, "due", None, None, None, None, "due"]


def test_two_people_within_reach_get_a_pose_on_every_frame() -> None:
    scheduler = PoseScheduler()
    pair = [person(0.40), person(0.47)]  # centres 0.07 × 4/3 = 0.09 frame heights apart, bodies 0.3 tall
    far = person(0.85)
    assert reasons(scheduler, 0.0, [*pair, far]) == ["new", "new", "new"]
    for i in range(1, 8):
        assert reasons(scheduler, i / FPS, [*pair, far]) == ["close", "close", "due" if i == 5 else None]


def test_a_person_low_or_lying_gets_a_pose_on_every_frame() -> None:
    scheduler = PoseScheduler()
    reasons(scheduler, 0.0, [lying(0.3)])
    assert [reasons(scheduler, i / FPS, [lying(0.3)])[0] for i in range(1, 4)] == ["low"] * 3


def test_a_runner_or_a_falling_person_gets_a_pose_on_every_frame() -> None:
    scheduler = PoseScheduler()
    reasons(scheduler, 0.0, [person(0.10)])
    # a brisk walk: 0.03 frame widths in 0.2 s = 0.04 frame heights = 0.13 body heights → 0.67 bh/s
    assert reasons(scheduler, 0.2, [person(0.13)]) == [None]
    # a runner: 0.1 frame widths in 0.2 s ≈ 2.2 body heights a second, past its box's own width
    assert reasons(scheduler, 0.4, [person(0.23)]) == ["fast"]
    # falling: the box's height halves in 0.2 s (still taller than wide, not yet "low")
    scheduler = PoseScheduler()
    reasons(scheduler, 0.0, [person(0.5, y=0.3, h=0.3)])
    assert reasons(scheduler, 0.2, [person(0.5, y=0.45, h=0.15)]) == ["fast"]


def test_someone_who_left_and_came_back_is_new_again_and_other_objects_are_ignored() -> None:
    scheduler = PoseScheduler(PoseSchedule(forget_s=2.0))
    car = Detection("car", 0.9, Box(0.6, 0.5, 0.9, 0.7))
    assert reasons(scheduler, 0.0, [person(0.2), car]) == ["new"]
    assert reasons(scheduler, 0.2, [person(0.2)]) == [None]
    assert reasons(scheduler, 0.4, []) == []
    assert reasons(scheduler, 3.0, [person(0.2)]) == ["new"]


def test_lower_rates_for_people_in_need_are_settings() -> None:
    scheduler = PoseScheduler(PoseSchedule(close_interval_s=0.4, needy_interval_s=0.4))
    pair = [person(0.40), person(0.47)]
    got = [reasons(scheduler, i / FPS, pair)[0] for i in range(6)]
    assert got == ["new", None, "close", None, "close", None]


def test_the_worker_poses_everyone_without_a_schedule_and_the_chosen_ones_with_one() -> None:
    from vigil.perception import worker

    people = [person(0.1), person(0.5)]
    worker._models[:] = [worker._Models(None, None, None, None, None, None)]
    assert worker.people_to_pose(1, 0.0, people, ASPECT) == people
    assert worker.people_to_pose(1, 0.2, people, ASPECT) == people
    worker._models[:] = [worker._Models(None, None, None, None, None, PoseSchedule())]
    worker._schedulers.clear()
    assert worker.people_to_pose(1, 0.0, people, ASPECT) == people
    assert worker.people_to_pose(1, 0.2, people, ASPECT) == []
    assert worker.people_to_pose(2, 0.2, people, ASPECT) == people  # each camera has its own memory
    worker._models.clear()
