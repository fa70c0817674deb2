"""The plaza replay with the speed levers on (docs/performance.md) finds the same incidents as without."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.media import plaza, shared_media_dir
from tests.test_detect import config  # noqa: F401 (the fixture: every default model)
from tests.test_replay import AFTERNOON, RULE_OF
from vigil.camera.offline import replay
from vigil.fusion import load_default_rules
from vigil.perception.pose_schedule import PoseSchedule
from vigil.perception.quantize import calibration_frames, person_crops, quantize_movenet, quantize_nanodet
from vigil.perception.worker import PerceptionConfig


def assert_the_plaza_incidents(levers: PerceptionConfig) -> None:
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    incidents = replay(plaza(), levers, load_default_rules(), fps=2.0, start=AFTERNOON)
    expected = sorted(
        (e["t_start"], RULE_OF[e["label"]]) for e in truth["audio_events"] if e["label"] in RULE_OF
    )
    opened = sorted((i.start_s, i.rule) for i in incidents)
    assert [rule for _t, rule in opened] == [rule for _t, rule in expected], opened  # nobody falls or fights
    for (start, _rule), (truth_start, _same) in zip(opened, expected, strict=True):
        assert abs(start - truth_start) <= 1.0


@pytest.mark.slow
def test_the_plaza_gives_its_incidents_with_every_lever_on(
    config: PerceptionConfig,  # noqa: F811
) -> None:
    assert_the_plaza_incidents(dataclasses.replace(config, pose_schedule=PoseSchedule(), motion_regions=True))


@pytest.mark.slow
def test_the_plaza_gives_its_incidents_with_int8_nanodet_and_movenet(
    config: PerceptionConfig,  # noqa: F811
    tmp_path: Path,
) -> None:
    frames = calibration_frames(plaza())
    int8 = dataclasses.replace(
        config,
        pose_schedule=PoseSchedule(),
        object_model=quantize_nanodet(frames, tmp_path / "nanodet-int8.onnx"),
        pose_model=quantize_movenet(person_crops(frames), tmp_path / "movenet-int8.onnx"),
    )
    assert_the_plaza_incidents(int8)
