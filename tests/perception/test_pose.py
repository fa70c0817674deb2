"""Pose estimation: crop geometry and MoveNet decoding on synthetic arrays, MoveNet crops on real people."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.media import shared_media_dir
from tests.perception.test_objects import persons, read_image, vtest_frames
from vigil.domain import COCO_KEYPOINTS, Box, Detection, Pose
from vigil.perception.objects import NanoDetDetector
from vigil.perception.pose import (
    CROP_MARGIN,
    Candidates,
    CropWindow,
    MoveNetCropPose,
    PoseEstimator,
    crop_window,
    cut_crop,
    decode_movenet,
    pick_candidate,
    to_pose,
)

KP = {name: index for index, name in enumerate(COCO_KEYPOINTS)}


def _frame(width: int, height: int) -> NDArray[np.uint8]:
    """An RGB frame whose red channel is x mod 256 and green channel is y mod 256."""
    ys, xs = np.mgrid[0:height, 0:width]
    return np.stack([xs % 256, ys % 256, np.full_like(xs, 7)], axis=-1).astype(np.uint8)


# ---------------------------------------------------------------------------------------------------------
# Crop geometry
# ---------------------------------------------------------------------------------------------------------
def test_crop_window_grows_the_box_by_the_margin_and_to_the_crop_aspect() -> None:
    # a tall 100×400 box: +20 % per side → 140×560, then widened to 3:4 → 420×560, centred on (450, 400)
    window = crop_window((400, 200, 500, 600), frame_w=1000, frame_h=800, crop_w=192, crop_h=256)
    assert window is not None
    assert (window.x0, window.y0, window.x1, window.y1) == (240, 120, 660, 680)
    assert (window.pad_x, window.pad_y, window.paste_w, window.paste_h) == (0, 0, 192, 256)
    assert window.scale_x == pytest.approx(192 / 420)
    assert window.scale_y == pytest.approx(256 / 560)
    centre = window.to_frame(np.array([[96.0, 128.0]], dtype=np.float32))
    np.testing.assert_allclose(centre, [[450.0, 400.0]], atol=1e-3)
    corners = np.array([[400.0, 200.0], [500.0, 600.0]], dtype=np.float32)
    np.testing.assert_allclose(window.to_frame(window.to_crop(corners)), corners, atol=1e-3)
    # a wide box is heightened instead: 200×60 → 280×84 → 280×373.3
    wide = crop_window((100, 300, 300, 360), 1000, 800, 192, 256)
    assert wide is not None
    assert (wide.x1 - wide.x0) == 280
    assert (wide.y1 - wide.y0) in (373, 374, 375)


def test_crop_at_the_frame_edge_is_padded_and_maps_back_through_the_padding() -> None:
    """A person cut by the left frame edge: the window starts 48 px left of the frame, so the crop's first
    48 columns are black and crop x = frame x + 48 (scale 1 here). Forgetting the pad, or swapping x and y,
    puts every pixel and keypoint in the wrong place."""
    frame = _frame(640, 480)
    window = crop_window((0, 100, 96, 356), 640, 480, 192, 256, margin=0.0)
    assert window == CropWindow(
        crop_w=192, crop_h=256, x0=0, y0=100, x1=144, y1=356, pad_x=48, pad_y=0, paste_w=144, paste_h=256
    )
    crop = cut_crop(frame, window)
    assert crop.shape == (256, 192, 3)
    assert crop.dtype == np.uint8
    assert (crop[:, :48] == 0).all()
    np.testing.assert_array_equal(crop[:, 48:], frame[100:356, 0:144])
    assert crop[30, 48 + 10].tolist() == [10, 130, 7]  # red = frame x, green = frame y
    back = window.to_frame(np.array([[58.0, 30.0], [48.0, 0.0]], dtype=np.float32))
    np.testing.assert_allclose(back, [[10.0, 130.0], [0.0, 100.0]], atol=1e-4)


def test_crop_window_at_the_bottom_right_and_outside_the_frame() -> None:
    window = crop_window((600, 400, 640, 480), 640, 480, 192, 256)
    assert window is not None
    assert window.x1 == 640
    assert window.y1 == 480
    assert window.pad_x == 0
    assert window.pad_y == 0
    assert window.pad_x + window.paste_w < 192  # black on the right
    assert window.pad_y + window.paste_h < 256  # and at the bottom
    crop = cut_crop(_frame(640, 480), window)
    assert (crop[:, window.paste_w + 1 :] == 0).all()
    assert crop_window((700, 500, 800, 600), 640, 480, 192, 256, margin=0.0) is None


def test_decode_movenet_reads_y_before_x() -> None:
    raw = np.zeros((1, 6, 56), dtype=np.float32)
    raw[0, 2, 3 * KP["left_wrist"] : 3 * KP["left_wrist"] + 3] = [0.25, 0.5, 0.9]  # y, x, score
    raw[0, 2, 51:56] = [0.1, 0.2, 0.9, 0.6, 0.7]  # ymin, xmin, ymax, xmax, person score
    candidates = decode_movenet(raw, input_w=192, input_h=256)
    assert candidates.keypoints.shape == (6, 17, 3)
    np.testing.assert_allclose(candidates.keypoints[2, KP["left_wrist"]], [96.0, 64.0, 0.9])
    np.testing.assert_allclose(candidates.boxes[2], [0.2 * 192, 0.1 * 256, 0.6 * 192, 0.9 * 256], rtol=1e-6)
    assert candidates.scores[2] == pytest.approx(0.7)
    with pytest.raises(ValueError, match="56"):
        decode_movenet(np.zeros((1, 6, 50), np.float32), 192, 256)


def test_pick_candidate_takes_the_person_in_the_detector_box_not_the_highest_score() -> None:
    boxes = np.array([[0, 0, 60, 100], [50, 40, 140, 220], [150, 10, 190, 90]], dtype=np.float32)
    candidates = Candidates(
        keypoints=np.zeros((3, 17, 3), np.float32), boxes=boxes, scores=np.array([0.9, 0.2, 0.8], np.float32)
    )
    assert pick_candidate(candidates, np.array([48, 42, 144, 214], dtype=np.float32)) == 1
    # no overlap anywhere: the nearest centre wins
    assert pick_candidate(candidates, np.array([185, 200, 190, 210], dtype=np.float32)) == 2
    empty = Candidates(
        np.zeros((0, 17, 3), np.float32), np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    )
    assert pick_candidate(empty, np.array([0, 0, 1, 1], dtype=np.float32)) is None


def test_to_pose_counts_confident_keypoints_and_normalises() -> None:
    keypoints = np.zeros((17, 3), dtype=np.float32)
    keypoints[:, 0] = 320.0
    keypoints[:, 1] = np.linspace(100, 400, 17)
    keypoints[:10, 2] = 0.5
    keypoints[10, 2] = 0.29  # just below the threshold: not counted, not averaged
    keypoints[0, :2] = [-20.0, 500.0]  # outside the frame: clipped to its edge
    box = Box(0.4, 0.1, 0.6, 0.9)
    pose = to_pose(keypoints, box, 640, 480, min_keypoint_conf=0.3, min_keypoints=10)
    assert pose is not None
    assert pose.box == box
    assert pose.conf == pytest.approx(0.5)
    assert len(pose.keypoints) == 17
    assert (pose.keypoints[0].x, pose.keypoints[0].y) == (0.0, 1.0)
    assert pose.keypoints[5].x == pytest.approx(0.5)
    assert pose.keypoints[5].y == pytest.approx(keypoints[5, 1] / 480)
    assert pose.keypoints[10].conf == pytest.approx(0.29)
    assert to_pose(keypoints, box, 640, 480, min_keypoint_conf=0.3, min_keypoints=11) is None


class _FakeSession:
    """Stands in for onnxruntime: answers every crop with one person whose keypoints sit at fixed crop
    positions (normalised y, x) and records the input it was given."""

    def __init__(self, rows: NDArray[np.float32]) -> None:
        self.rows = rows
        self.inputs: list[NDArray[Any]] = []

    def run(self, _names: object, feeds: dict[str, NDArray[Any]]) -> list[NDArray[np.float32]]:
        (tensor,) = feeds.values()
        self.inputs.append(tensor)
        return [self.rows[None]]


def test_estimate_maps_crop_keypoints_back_to_the_frame_through_the_padding() -> None:
    estimator = MoveNetCropPose(margin=0.0)
    rows = np.zeros((6, 56), dtype=np.float32)
    # keypoint k at crop (x, y) = (48 + 4k, 10k + 5) px: normalised y = (10k + 5) / 256, x = (48 + 4k) / 192
    for k in range(17):
        rows[0, 3 * k : 3 * k + 3] = [(10 * k + 5) / 256, (48 + 4 * k) / 192, 0.8]
    rows[0, 51:56] = [0.0, 0.25, 1.0, 1.0, 0.5]  # the person fills the right three quarters: the box
    rows[1, 51:56] = [0.0, 0.0, 0.2, 0.2, 0.9]  # a better-scored stranger in the top-left corner
    fake = _FakeSession(rows)
    estimator._session = fake
    person = Detection("person", 0.9, Box(0.0, 100 / 480, 96 / 640, 356 / 480))
    chair = Detection("chair", 0.9, Box(0.5, 0.5, 0.9, 0.9))

    (pose,) = estimator.estimate(_frame(640, 480), [chair, person])

    (tensor,) = fake.inputs  # the chair was not cropped
    assert tensor.dtype == np.int32
    assert tensor.shape == (1, 256, 192, 3)
    assert (tensor[0, :, :48] == 0).all()
    assert pose.box == person.box
    assert pose.conf == pytest.approx(0.8)
    for k, keypoint in enumerate(pose.keypoints):
        # frame x = crop x − 48 (the padding), frame y = crop y + 100 (the window's top)
        assert keypoint.x * 640 == pytest.approx(4 * k, abs=1e-3)
        assert keypoint.y * 480 == pytest.approx(10 * k + 5 + 100, abs=1e-3)


def test_estimate_takes_the_largest_people_first() -> None:
    estimator = MoveNetCropPose(max_people=2)
    rows = np.zeros((6, 56), dtype=np.float32)
    rows[0, 2:51:3] = 0.9
    rows[0, 51:56] = [0.0, 0.0, 1.0, 1.0, 0.5]
    estimator._session = _FakeSession(rows)
    sizes = [0.1, 0.3, 0.2, 0.05]
    people = [Detection("person", 0.9, Box(0.1, 0.1, 0.1 + s, 0.1 + s)) for s in sizes]
    poses = estimator.estimate(_frame(320, 240), people)
    assert [p.box for p in poses] == [people[1].box, people[2].box]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        MoveNetCropPose(crop=(200, 256))
    with pytest.raises(ValueError, match="min_keypoints"):
        MoveNetCropPose(min_keypoints=18)


# ---------------------------------------------------------------------------------------------------------
# Real people (MoveNet on NanoDet's person boxes; measurements in docs/perception.md)
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def movenet() -> MoveNetCropPose:
    return MoveNetCropPose()


@pytest.fixture(scope="module")
def vtest_poses(movenet: MoveNetCropPose) -> dict[int, tuple[list[Detection], list[Pose]]]:
    detector = NanoDetDetector(labels={"person"})
    results = {}
    for second, frame in vtest_frames().items():
        people = persons(detector.detect(frame))
        results[second] = (people, movenet.estimate(frame, people))
    return results


def _confident(pose: Pose, threshold: float = 0.3) -> list[int]:
    return [i for i, keypoint in enumerate(pose.keypoints) if keypoint.conf >= threshold]


def _mean_y(pose: Pose, names: tuple[str, ...]) -> float | None:
    ys = [pose.keypoints[KP[n]].y for n in names if pose.keypoints[KP[n]].conf >= 0.3]
    return sum(ys) / len(ys) if ys else None


def test_movenet_is_a_pose_estimator(movenet: MoveNetCropPose) -> None:
    estimator: PoseEstimator = movenet
    assert estimator.name == "movenet-multipose"
    assert movenet.estimate(_frame(64, 48), []) == []


def test_poses_are_found_for_most_pedestrians_in_vtest(
    vtest_poses: dict[int, tuple[list[Detection], list[Pose]]],
) -> None:
    detected = sum(len(people) for people, _ in vtest_poses.values())
    posed = sum(len(poses) for _, poses in vtest_poses.values())
    assert detected >= 20
    assert posed >= 0.75 * detected, f"{posed} poses for {detected} people"  # measured 24 of 26
    for second, (people, poses) in vtest_poses.items():
        assert len(poses) >= len(people) / 2, f"{second} s: {len(poses)} poses for {len(people)} people"
        boxes = [p.box for p in people]
        assert len({id(b) for b in (p.box for p in poses)}) == len(poses)
        for pose in poses:
            assert pose.box in boxes  # the detector's box, not MoveNet's
            assert len(pose.keypoints) == 17
            confident = _confident(pose)
            assert len(confident) >= 10
            assert pose.conf == pytest.approx(np.mean([pose.keypoints[i].conf for i in confident]), abs=1e-6)


def test_keypoints_lie_in_their_person_box(
    vtest_poses: dict[int, tuple[list[Detection], list[Pose]]],
) -> None:
    for second, (_, poses) in vtest_poses.items():
        for pose in poses:
            b = pose.box
            dx, dy = CROP_MARGIN * (b.x2 - b.x1), CROP_MARGIN * (b.y2 - b.y1)
            for i in _confident(pose):
                k = pose.keypoints[i]
                assert b.x1 - dx <= k.x <= b.x2 + dx, f"{second} s: {COCO_KEYPOINTS[i]} {k} outside {b}"
                assert b.y1 - dy <= k.y <= b.y2 + dy, f"{second} s: {COCO_KEYPOINTS[i]} {k} outside {b}"


def test_pedestrians_stand_upright(vtest_poses: dict[int, tuple[list[Detection], list[Pose]]]) -> None:
    """y grows downwards: shoulders above hips above ankles (all 24 measured poses are; most must be)."""
    poses = [pose for _, found in vtest_poses.values() for pose in found]
    upright = 0
    for pose in poses:
        shoulders = _mean_y(pose, ("left_shoulder", "right_shoulder"))
        hips = _mean_y(pose, ("left_hip", "right_hip"))
        ankles = _mean_y(pose, ("left_ankle", "right_ankle"))
        if shoulders is not None and hips is not None and ankles is not None and shoulders < hips < ankles:
            upright += 1
    assert upright >= 0.8 * len(poses), f"{upright} of {len(poses)} upright"


def test_two_poses_on_zidane(movenet: MoveNetCropPose) -> None:
    image = read_image(shared_media_dir() / "images" / "zidane.jpg")
    people = persons(NanoDetDetector().detect(image))
    poses = movenet.estimate(image, people)
    assert len(poses) == 2
    centres = sorted(np.mean([poses[n].keypoints[i].x for i in _confident(poses[n])]) for n in range(2))
    assert centres[1] - centres[0] > 0.2  # two different men, not one found twice
