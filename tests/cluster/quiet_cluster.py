"""Run under strace by test_ray_quiet.py: a local Ray cluster started and joined as Vigil does, and one actor
on a camera slot; prints the node the actor ran on."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from vigil.cluster import ray_env
from vigil.cluster.local import LOOPBACK, local_cluster


class Probe:
    def node(self) -> str:
        import ray

        return str(ray.get_runtime_context().get_node_id())


def main(home: Path) -> None:
    with local_cluster(home, workers=2, slots=1) as (cluster, _workers):
        ray_env.connect(cluster.address, LOOPBACK)
        import ray

        probe = (
            ray.remote(Probe)
            .options(num_cpus=0, resources={"camera_slot": 1}, runtime_env=ray_env.runtime_env())
            .remote()
        )
        print("actor ran on", ray.get(probe.node.remote(), timeout=60), flush=True)
        time.sleep(5)  # the head's dashboard process reads its cluster config and usage settings meanwhile
        ray.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
