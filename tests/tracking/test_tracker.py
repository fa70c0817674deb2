"""The tracker on synthetic boxes (people walking, crossing, missed, leaving), and zones with dwell times.

Real footage (vtest.avi through NanoDet and MoveNet) is in tests/perception/test_actions.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from vigil.domain import Box, Detection, Keypoint, Observation, Pose
from vigil.tracking import (
    Track,
    Tracker,
    TrackerConfig,
    Zone,
    ZoneDwell,
    ZoneKind,
    foot_point,
    point_in_polygon,
)
from vigil.tracking.tracker import greedy_assignment, iou_matrix

FPS = 5.0
ASPECT = 16 / 9
H = 0.3  # person box height (frame heights)
W = 0.1 / ASPECT  # person box width (frame widths): 0.1 frame heights


def box_at(x: float, foot_y: float = 0.8, h: float = H, w: float = W) -> Box:
    return Box(x - w / 2, foot_y - h, x + w / 2, foot_y)


def frame(t: float, *boxes: Box, label: str = "person") -> Observation:
    return Observation(
        camera_id=1, t_s=t, wall_time_s=t, detections=tuple(Detection(label, 0.9, b) for b in boxes)
    )


def times(seconds: float, fps: float = FPS) -> Iterable[float]:
    return (i / fps for i in range(round(seconds * fps)))


def walk_x(t: float, start: float, speed_bh_s: float) -> float:
    """x (frame widths) of a person walking at `speed_bh_s` body heights per second."""
    return start + speed_bh_s * H * t / ASPECT


def ids(observation: Observation) -> list[int | None]:
    return [d.track_id for d in observation.detections]


def test_a_track_gets_its_id_after_three_hits_and_keeps_it() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    results = [tracker.update(frame(t, box_at(walk_x(t, 0.2, 1.0)))) for t in times(3.0)]
    assert [ids(r) for r in results[:2]] == [[None], [None]]
    assert {ids(r)[0] for r in results[2:]} == {1}
    (track,) = tracker.tracks()
    assert isinstance(track, Track)
    assert track.id == 1
    assert track.label == "person"
    assert track.first_seen_s == 0.0
    assert track.last_seen_s == pytest.approx(2.8)
    assert track.hits == 15
    # 1 body height per second to the right, in frame heights per second
    assert track.velocity[0] == pytest.approx(H * 1.0, rel=0.05)
    assert track.velocity[1] == pytest.approx(0.0, abs=1e-6)
    assert track.speed_bh_s == pytest.approx(1.0, rel=0.05)
    assert track.path.shape == (15, 5)
    assert track.foot == pytest.approx(((track.box.x1 + track.box.x2) / 2, 0.8))


def test_a_one_off_box_never_becomes_a_track() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    tracker.update(frame(0.0, box_at(0.5)))
    for t in times(2.0):
        result = tracker.update(frame(0.2 + t, box_at(0.1)))
    assert tracker.tracks()[0].id == 1  # the steady one, first to confirm
    assert len(tracker.tracks()) == 1
    assert ids(result) == [1]


def test_two_people_crossing_keep_their_ids() -> None:
    """Walking towards each other at the same depth, boxes overlapping completely at the crossing."""
    tracker = Tracker(frame_aspect=ASPECT)
    history = []
    for t in times(4.0):  # they meet at 1.8 s
        a = box_at(walk_x(t, 0.2, 1.0), foot_y=0.80)
        b = box_at(walk_x(t, 0.8, -1.0), foot_y=0.81)
        result = tracker.update(frame(t, a, b))
        history.append(ids(result))
    first, last = history[3], history[-1]
    assert None not in first
    assert first == last  # detection 0 is still the left-to-right walker
    assert len(tracker.tracks()) == 2
    assert all(h == first for h in history[3:])


def test_crossing_behind_someone_keeps_the_id() -> None:
    """The far person (smaller, higher in the frame) is hidden by the near one for 0.6 s while crossing."""
    tracker = Tracker(frame_aspect=ASPECT)
    far_ids, near_ids = set(), set()
    hidden_samples = 0
    for t in times(7.0):
        near = box_at(walk_x(t, 0.25, 0.8), foot_y=0.85, h=0.32)
        far_x = walk_x(t, 0.75, -0.8 * 0.32 / 0.26)
        far = box_at(far_x, foot_y=0.78, h=0.26, w=0.085 / ASPECT)
        hidden = abs(far_x - (near.x1 + near.x2) / 2) < 0.09  # ~0.6 s at their closing speed
        hidden_samples += hidden
        result = tracker.update(frame(t, near) if hidden else frame(t, near, far))
        if t >= 1.0:
            near_ids.add(result.detections[0].track_id)
            if not hidden:
                far_ids.add(result.detections[1].track_id)
    assert hidden_samples >= 3
    assert len(near_ids) == 1
    assert len(far_ids) == 1
    assert near_ids != far_ids


def test_a_detection_missed_for_0_4_s_keeps_the_id() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    seen = set()
    for t in times(5.0):
        missing = 2.0 <= t < 2.4 + 1e-9  # two samples, 0.4 s (0.6 s between the boxes either side)
        result = tracker.update(frame(t) if missing else frame(t, box_at(walk_x(t, 0.2, 1.2))))
        if t >= 0.4 and not missing:
            seen.add(ids(result)[0])
    assert seen == {1}


def test_a_person_gone_for_5_s_comes_back_with_a_new_id() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    before = after = None
    for t in times(10.0):
        if 3.0 <= t < 8.0:
            result = tracker.update(frame(t))
            continue
        result = tracker.update(frame(t, box_at(0.5)))
        before = ids(result)[0] if t < 3.0 else before
        after = ids(result)[0] if t >= 8.0 else after
    assert before == 1
    assert after == 2


def test_misses_are_measured_in_seconds_not_frames() -> None:
    """At 1 fps a single missed sample is 2 s without a box: still the same person; at 10 fps, 2.5 s of
    missed samples (25 frames) end the track."""
    slow = Tracker(TrackerConfig(confirm_hits=2), frame_aspect=ASPECT)
    slow_ids = []
    for t in [0.0, 1.0, 2.0, 4.0, 5.0]:
        slow_ids.append(ids(slow.update(frame(t, box_at(walk_x(t, 0.2, 0.3)))))[0])
    assert slow_ids == [None, 1, 1, 1, 1]

    fast = Tracker(frame_aspect=ASPECT)
    before, after = set(), set()
    for t in times(6.0, fps=10.0):
        gone = 2.0 <= t < 4.5
        result = fast.update(frame(t) if gone else frame(t, box_at(0.5)))
        if 0.5 < t < 2.0:
            before.add(ids(result)[0])
        elif t > 5.0:
            after.add(ids(result)[0])
    assert before == {1}
    assert after == {2}


def test_labels_are_tracked_apart_and_ids_are_per_camera() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    car = Box(0.4, 0.5, 0.6, 0.8)
    for t in times(2.0):
        result = tracker.update(
            Observation(
                camera_id=1,
                t_s=t,
                wall_time_s=t,
                detections=(Detection("person", 0.9, box_at(0.5)), Detection("car", 0.8, car)),
            )
        )
    person_id, car_id = ids(result)
    assert person_id is not None
    assert car_id is not None
    assert person_id != car_id
    assert {t.label for t in tracker.tracks()} == {"person", "car"}
    other_camera = Tracker(frame_aspect=ASPECT)
    for t in times(1.0):
        other = other_camera.update(frame(t, box_at(0.5)))
    assert ids(other) == [1]


def _pose(box: Box) -> Pose:
    return Pose(tuple(Keypoint(box.x1, box.y1, 0.9) for _ in range(17)), box, 0.9)


def test_poses_take_the_track_id_of_their_person_box() -> None:
    tracker = Tracker(frame_aspect=ASPECT)
    for t in times(3.0):
        a, b = box_at(0.3), box_at(0.7)
        result = tracker.update(
            Observation(
                camera_id=1,
                t_s=t,
                wall_time_s=t,
                detections=(Detection("person", 0.9, a), Detection("person", 0.9, b)),
                poses=(_pose(b), _pose(a)),
            )
        )
    det_ids = {d.box: d.track_id for d in result.detections}
    assert [p.track_id for p in result.poses] == [det_ids[p.box] for p in result.poses]
    assert None not in det_ids.values()
    for track in tracker.tracks():
        assert len(track.poses) == 15
        assert all(tp.pose.box == track.box for tp in track.poses)
        assert [tp.t_s for tp in track.poses] == sorted(tp.t_s for tp in track.poses)


def test_pose_history_is_bounded_in_seconds() -> None:
    tracker = Tracker(TrackerConfig(pose_history_s=2.0), frame_aspect=ASPECT)
    for t in times(6.0):
        b = box_at(0.5)
        tracker.update(
            Observation(
                camera_id=1,
                t_s=t,
                wall_time_s=t,
                detections=(Detection("person", 0.9, b),),
                poses=(_pose(b),),
            )
        )
    (track,) = tracker.tracks()
    assert track.poses[-1].t_s - track.poses[0].t_s <= 2.0
    assert len(track.poses) == 11


def test_long_paths_keep_their_time_window() -> None:
    tracker = Tracker(TrackerConfig(path_history_s=30.0), frame_aspect=ASPECT)
    for t in times(200.0):
        tracker.update(frame(t, box_at(0.5)))
    (track,) = tracker.tracks()
    assert track.path[-1, 0] == pytest.approx(199.8)
    assert track.path[0, 0] == pytest.approx(199.8 - 30.0)
    assert np.all(np.diff(track.path[:, 0]) > 0)


def test_iou_and_greedy_assignment() -> None:
    a = np.array([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]])
    b = np.array([[0.5, 0.0, 1.5, 1.0], [2.0, 2.0, 3.0, 3.0], [5.0, 5.0, 6.0, 6.0]])
    np.testing.assert_allclose(iou_matrix(a, b), [[1 / 3, 0.0, 0.0], [0.0, 1.0, 0.0]])
    score = np.array([[0.9, 0.8], [0.85, 0.1]])
    # greedy takes the best pair first (0-0), leaving 1-1
    assert greedy_assignment(score, score > 0.05) == [(0, 0), (1, 1)]
    assert greedy_assignment(score, np.zeros_like(score, dtype=bool)) == []


# ---------------------------------------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------------------------------------
SQUARE = ((0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6))
# a U shape: the notch between x 0.4-0.6 above y 0.5 is outside
U_SHAPE = ((0.2, 0.2), (0.4, 0.2), (0.4, 0.5), (0.6, 0.5), (0.6, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8))


def test_point_in_polygon() -> None:
    assert point_in_polygon((0.4, 0.4), SQUARE)
    assert not point_in_polygon((0.7, 0.4), SQUARE)
    assert not point_in_polygon((0.4, 0.1), SQUARE)
    assert point_in_polygon((0.3, 0.3), U_SHAPE)
    assert not point_in_polygon((0.5, 0.3), U_SHAPE)
    assert point_in_polygon((0.5, 0.7), U_SHAPE)


def test_a_zone_counts_the_foot_point_not_the_box_centre() -> None:
    zone = Zone("lawn", ((0.0, 0.7), (1.0, 0.7), (1.0, 1.0), (0.0, 1.0)), ZoneKind.RESTRICTED)
    standing_on_it = Box(0.45, 0.45, 0.55, 0.75)  # centre above the zone, feet in it
    in_front_of_it = Box(0.45, 0.3, 0.55, 0.65)
    assert foot_point(standing_on_it) == pytest.approx((0.5, 0.75))
    assert zone.contains(foot_point(standing_on_it))
    assert not zone.contains(foot_point(in_front_of_it))


def test_zones_refuse_bad_shapes() -> None:
    with pytest.raises(ValueError, match="3 points"):
        Zone("line", ((0.1, 0.1), (0.2, 0.2)))
    with pytest.raises(ValueError, match="normalised"):
        Zone("pixels", ((10, 10), (200, 10), (200, 200)))
    with pytest.raises(ValueError, match="unique"):
        ZoneDwell([Zone("a", SQUARE), Zone("a", U_SHAPE)])


def test_dwell_time_per_track_and_zone_survives_a_short_exit() -> None:
    dwell = ZoneDwell([Zone("square", SQUARE), Zone("u", U_SHAPE)], exit_grace_s=1.0)
    inside, outside = Box(0.25, 0.2, 0.35, 0.4), Box(0.85, 0.2, 0.95, 0.4)  # feet (0.3, 0.4): in both zones
    for t in times(10.0):
        stepped_out = 4.0 <= t < 4.6  # 0.6 s outside: within the grace
        left = t >= 8.0  # for good
        stays = dwell.update(t, [(7, outside if stepped_out or left else inside), (9, outside)])
        if t == pytest.approx(7.8):
            assert {s.zone.name for s in stays} == {"square", "u"}
            assert {s.track_id for s in stays} == {7}
            assert all(s.entered_s == 0.0 and s.dwell_s == pytest.approx(7.8) for s in stays)
            assert {z.name for z in dwell.zones_of(7)} == {"square", "u"}
        if t == pytest.approx(8.6):
            assert len(stays) == 2  # left 0.8 s ago: still within the grace
    assert dwell.stays() == []  # 2 s after leaving: gone
    assert dwell.zones_of(7) == []


def test_a_new_entry_after_leaving_restarts_the_dwell() -> None:
    dwell = ZoneDwell([Zone("square", SQUARE)], exit_grace_s=1.0)
    inside, outside = Box(0.35, 0.2, 0.45, 0.4), Box(0.85, 0.2, 0.95, 0.4)
    for t in times(10.0):
        stays = dwell.update(t, [(7, outside if 3.0 <= t < 6.0 else inside)])
    (stay,) = stays
    assert stay.entered_s == pytest.approx(6.0)
    assert stay.dwell_s == pytest.approx(3.8)
