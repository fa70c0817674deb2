"""Int8 NanoDet (`python -m vigil.perception.quantize`): calibrated on plaza frames, it loads as the object
model and finds the people the float model finds on vtest's counted frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import make_clip, plaza, shared_media_dir
from vigil.cli.bench_levers import VTEST_BY_EYE, _frame_at
from vigil.perception.objects import NanoDetDetector
from vigil.perception.quantize import calibration_frames, main, quantize_nanodet


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


def test_a_short_video_still_calibrates_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "short.mp4", seconds=0.2)
    assert len(calibration_frames(clip, count=1, every_s=10.0)) == 1  # the first frame is always taken
    with pytest.raises(SystemExit, match="no such video"):
        main([str(tmp_path / "missing.mp4"), str(tmp_path / "out.onnx")])
