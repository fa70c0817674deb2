"""How Vigil starts Ray nodes (no Ray process started here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.cluster import ray_env


def test_a_head_node_announces_its_address_holds_its_slots_and_notices_dead_nodes_fast() -> None:
    args = ray_env.node_command("10.0.0.5", 0, head=True, port=6380)
    assert "--node-ip-address=10.0.0.5" in args
    assert '--resources={"camera_slot": 0}' in args
    assert "--include-dashboard=false" in args
    assert "--disable-usage-stats" in args
    config = json.loads(next(a for a in args if a.startswith("--system-config=")).split("=", 1)[1])
    assert config["health_check_period_ms"] * config["health_check_failure_threshold"] <= 5000
    assert "--port=6380" in args


def test_a_worker_node_joins_the_head_with_its_camera_slots() -> None:
    args = ray_env.node_command("10.0.0.6", 4, head=False, address="10.0.0.5:6379", cpus=8)
    assert "--address=10.0.0.5:6379" in args
    assert '--resources={"camera_slot": 4}' in args
    assert "--num-cpus=8" in args
    assert "--head" not in args


def test_a_worker_node_on_loopback_is_refused_before_ray_starts(tmp_path: Path) -> None:
    with pytest.raises(ray_env.NodeAddressError, match=r"VIGIL_NODE_IP=127\.0\.0\.1 is loopback"):
        ray_env.run_node(["start"], tmp_path / "home", "127.0.0.1", head=False)
    assert not (tmp_path / "home").exists()


def test_the_heads_home_holds_a_bootstrap_config_so_ray_asks_no_metadata_server(tmp_path: Path) -> None:
    home = ray_env.quiet_home(tmp_path / "ray-home")
    assert (home / ray_env.BOOTSTRAP_CONFIG).read_text().strip().endswith("{}")
