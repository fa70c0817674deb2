"""Motion regions: where the picture changed becomes squares at the detector's input size, merged where
they overlap; the whole frame when regions would cover most of it (`vigil.perception.regions`)."""

from __future__ import annotations

import numpy as np

from vigil.domain import Box, Detection
from vigil.perception.regions import (
    Region,
    RegionPlanner,
    changed_boxes,
    detect_in_regions,
    merge_regions,
    plan_regions,
    region_around,
)

W, H, SIZE = 1920, 1080, 416


def test_changed_pixels_group_into_boxes_and_specks_are_noise() -> None:
    moved = np.zeros((90, 160), dtype=bool)
    moved[10:20, 30:35] = True  # someone walking
    moved[50:52, 100:103] = True
    moved[80, 5] = True  # one noisy pixel
    boxes = changed_boxes(moved, scale=12.0)
    assert boxes == [Region(360, 120, 420, 240), Region(1200, 600, 1236, 624)]


def test_a_region_is_a_square_of_the_input_size_around_the_box_inside_the_frame() -> None:
    assert region_around(Region(900, 500, 960, 620), SIZE, W, H) == Region(722, 352, 1138, 768)
    assert region_around(Region(0, 0, 40, 80), SIZE, W, H) == Region(0, 0, 416, 416)  # shifted in
    assert region_around(Region(1880, 1000, 1920, 1080), SIZE, W, H) == Region(1504, 664, 1920, 1080)
    big = region_around(Region(100, 100, 700, 900), SIZE, W, H)  # a person closer than the input size
    assert big.x1 - big.x0 == big.y1 - big.y0 == 960  # the longer side and 10 % each side
    assert region_around(Region(10, 10, 50, 90), SIZE, 320, 240) == Region(0, 0, 320, 240)  # small frame


def test_overlapping_regions_merge_into_one_square_and_apart_ones_stay() -> None:
    a, b = Region(100, 100, 516, 516), Region(400, 300, 816, 716)
    far = Region(1400, 100, 1816, 516)
    merged = merge_regions([a, b, far], SIZE, W, H)
    assert len(merged) == 2
    both = merged[0]
    assert (both.x0, both.y0) <= (100, 100)
    assert both.x1 >= 816
    assert both.y1 >= 716
    assert both.x1 - both.x0 == both.y1 - both.y0
    assert merged[1] == far


def test_no_motion_means_no_region_and_too_much_motion_the_whole_frame() -> None:
    assert plan_regions([], SIZE, W, H) == []
    one = plan_regions([Region(900, 500, 960, 620)], SIZE, W, H)
    assert one == [Region(722, 352, 1138, 768)]
    spread = [Region(x, y, x + 50, y + 100) for x in (100, 700, 1300, 1800) for y in (100, 900)]
    assert plan_regions(spread, SIZE, W, H) is None  # more than three calls: one whole-frame call instead
    assert plan_regions([Region(0, 0, 900, 1000)], SIZE, 1000, 1000) is None  # most of the frame


class FakeDetector:
    """Finds one person filling the middle of whatever crop it is given (a real model is not needed to
    check the coordinates)."""

    name = "fake"
    input_size = SIZE

    def __init__(self) -> None:
        self.crops: list[tuple[int, int]] = []

    def detect(self, image_rgb: np.ndarray) -> list[Detection]:
        self.crops.append(image_rgb.shape[:2])
        return [Detection("person", 0.9, Box(0.25, 0.25, 0.75, 0.75))]


def test_detections_in_regions_come_back_in_frame_coordinates() -> None:
    detector = FakeDetector()
    image = np.zeros((H, W, 3), dtype=np.uint8)
    found = detect_in_regions(detector, image, [Region(0, 0, 416, 416), Region(1000, 600, 1416, 1016)])
    assert detector.crops == [(416, 416), (416, 416)]
    boxes = sorted((round(d.box.x1 * W), round(d.box.y1 * H), round(d.box.x2 * W)) for d in found)
    assert boxes == [(104, 104, 312), (1104, 704, 1312)]


def test_the_planner_looks_where_things_moved_and_where_people_were() -> None:
    planner = RegionPlanner(SIZE, full_every_s=5.0)
    still = np.full((H, W, 3), 90, dtype=np.uint8)
    assert planner.plan(0.0, still) is None  # first frame: the whole frame
    planner.found([])
    assert planner.plan(0.2, still) == []  # nothing moved, nobody there: no detector call
    moving = still.copy()
    moving[480:600, 900:960] = 200
    [region] = planner.plan(0.4, moving) or []
    assert region.x0 <= 900
    assert region.x1 >= 960
    assert region.y0 <= 480
    assert region.y1 >= 600
    planner.found([Detection("person", 0.8, Box(0.1, 0.1, 0.13, 0.25))])
    [around_person] = planner.plan(0.6, moving) or []  # still picture, but a person was seen there
    assert around_person.x0 <= 0.1 * W
    assert around_person.x1 >= 0.13 * W
    assert planner.plan(5.0, moving) is None  # every 5 s the whole frame, for whoever stood still
