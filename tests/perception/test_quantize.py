"""Int8 NanoDet and MoveNet (`python -m vigil.perception.quantize [--pose]`): calibrated on plaza frames, they
load as the object and pose models; NanoDet finds the people the float model finds on vtest's counted
frames, and MoveNet gives those people the poses the float model gives, keypoints a few pixels apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.media import make_clip, plaza, shared_media_dir
from vigil.cli.bench_levers import VTEST_BY_EYE, _frame_at
from vigil.perception.objects import NanoDetDetector
from vigil.perception.pose import MoveNetCropPose
from vigil.perception.quantize import (
    calibration_frames,
    main,
    person_crops,
    quantize_movenet,
    quantize_nanodet,
)


@pytest.mark.slow
def test_int8_nanodet_finds_the_people_float_nanodet_finds(tmp_path: Path) -> None:
    model = quantize_nanodet(calibration_frames(plaza(), count=6, every_s=12.0), tmp_path / "int8.onnx")
    assert model.is_file()
    float_model, int8_model = NanoDetDetector(), NanoDetDetector(model)
    vtest = shared_media_dir() / "video" / "vtest.avi"
    for t_s in VTEST_BY_EYE:
        image = _frame_at(vtest, t_s)
        people = [d for d in float_model.detect(image) if d.label == "person"]
        found = [d for d in int8_model.detect(image) if d.label == "person"]
        assert abs(len(found) - len(people)) <= 1, (t_s, len(people), len(found))
        assert found, t_s


@pytest.mark.slow
def test_int8_movenet_gives_the_poses_float_movenet_gives(tmp_path: Path) -> None:
    crops = person_crops(calibration_frames(plaza(), count=6, every_s=12.0))
    model = quantize_movenet(crops, tmp_path / "movenet-int8.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movenet-int8.onnx"]
    detector, float_pose, int8_pose = NanoDetDetector(), MoveNetCropPose(), MoveNetCropPose(model)
    vtest = shared_media_dir() / "video" / "vtest.avi"
    apart: list[float] = []
    for t_s in VTEST_BY_EYE:
        image = _frame_at(vtest, t_s)
        people = [d for d in detector.detect(image) if d.label == "person"]
        expected, found = float_pose.estimate(image, people), int8_pose.estimate(image, people)
        assert abs(len(found) - len(expected)) <= 1, (t_s, len(expected), len(found))
        by_box = {pose.box: pose for pose in found}
        for pose in expected:
            twin = by_box.get(pose.box)
            if twin is None:
                continue
            for a, b in zip(pose.keypoints, twin.keypoints, strict=True):
                if a.conf >= 0.3 and b.conf >= 0.3:
                    apart.append(float(np.hypot(a.x - b.x, a.y - b.y)))
    assert len(apart) > 100
    # normalised frame coordinates: a median under 1 % of the frame's width
    assert float(np.median(apart)) < 0.01, np.median(apart)


def test_a_short_video_still_calibrates_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "short.mp4", seconds=0.2)
    assert len(calibration_frames(clip, count=1, every_s=10.0)) == 1  # the first frame is always taken
    with pytest.raises(SystemExit, match="no such video"):
        main([str(tmp_path / "missing.mp4"), str(tmp_path / "out.onnx")])
