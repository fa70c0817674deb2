"""Cluster mode's settings refuse what cannot work, naming the setting, before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import make_settings


def test_cluster_mode_needs_live_events_through_redis(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="VIGIL_RAY_ADDRESS needs VIGIL_LIVE_REDIS"):
        make_settings(tmp_path, ray_address="10.0.0.5:6379", redis_url="redis://127.0.0.1:6379/0")


def test_a_cluster_mode_node_must_run_cameras_through_ray(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="VIGIL_RAY_ADDRESS with VIGIL_RUN_CAMERAS=false"):
        make_settings(
            tmp_path,
            ray_address="10.0.0.5:6379",
            redis_url="redis://127.0.0.1:6379/0",
            live_redis=True,
            run_cameras=False,
        )


def test_cluster_mode_with_redis_is_accepted(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, ray_address="10.0.0.5:6379", redis_url="redis://127.0.0.1:6379/0", live_redis=True
    )
    assert settings.node_ip == "127.0.0.1"
    assert settings.camera_slots == 4
