"""The server's settings reach the model workers: what `vigil serve` builds its PerceptionConfig from."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_settings
from vigil.api.pipelines import perception_config
from vigil.perception.pose_schedule import PoseSchedule


def test_the_pose_schedule_and_the_device_reach_the_workers(tmp_path: Path) -> None:
    default = perception_config(make_settings(tmp_path))
    assert (default.pose_schedule, default.device) == (PoseSchedule(), "cpu")  # the schedule is on
    chosen = perception_config(make_settings(tmp_path, pose_schedule=False, device="openvino-cpu"))
    assert chosen.pose_schedule is None  # a pose for everyone
    assert chosen.device == "openvino-cpu"
