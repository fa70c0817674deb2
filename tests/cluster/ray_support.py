"""A local Ray cluster for the tests: a head that holds no camera and worker nodes with `camera_slot`s, every
node on 127.0.0.1, started with Vigil's quiet environment (`vigil.cluster.ray_env`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vigil.cluster import ray_env

LOOPBACK = "127.0.0.1"


@contextmanager
def local_cluster(home: Path, workers: int, slots: int) -> Iterator[tuple[Any, list[Any]]]:
    """`ray.cluster_utils.Cluster` with a head (no slots, no CPU) and `workers` nodes of `slots` each;
    yields it and the worker nodes."""
    ray_env.import_ray()
    from ray.cluster_utils import Cluster

    with ray_env.quiet_environment(home):
        cluster = Cluster(
            initialize_head=True,
            head_node_args={
                "node_ip_address": LOOPBACK,
                "num_cpus": 0,
                "resources": {"camera_slot": 0},
                "include_dashboard": False,
                "_system_config": dict(ray_env.HEAD_SYSTEM_CONFIG),
            },
        )
        try:
            nodes = [
                cluster.add_node(node_ip_address=LOOPBACK, num_cpus=2, resources={"camera_slot": slots})
                for _ in range(workers)
            ]
            cluster.wait_for_nodes()
        except BaseException:
            cluster.shutdown()
            raise
    try:
        yield cluster, nodes
    finally:
        cluster.shutdown()
