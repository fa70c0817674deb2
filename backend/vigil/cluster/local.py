"""A Ray cluster of processes on this machine, every node on 127.0.0.1 with Vigil's quiet environment
(`ray_env`): a head that holds no camera and `workers` nodes of `slots` camera slots each. For the benches
and the tests; a real cluster's nodes start with `vigil ray-node`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vigil.cluster import ray_env

LOOPBACK = "127.0.0.1"


@contextmanager
def local_cluster(home: Path, workers: int, slots: int, cpus: int = 2) -> Iterator[tuple[Any, list[Any]]]:
    """`ray.cluster_utils.Cluster` with its head and `workers` nodes of `cpus` CPUs; yields it and the
    worker nodes, and shuts it down after."""
    ray_env.import_ray()
    from ray.cluster_utils import Cluster

    with ray_env.quiet_environment(home):
        cluster: Any = Cluster(
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
                cluster.add_node(node_ip_address=LOOPBACK, num_cpus=cpus, resources={"camera_slot": slots})
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
