"""`python -m vigil.cluster.ray_bench` (in `make bench` with the `cluster` extra): what Ray itself costs.

- **per frame**: a 640×360 frame's round trip to a process that only reads it and answers an empty
  observation, through the local pool (shared memory), through a Ray actor call on the same machine, and
  through an actor batching like the shared perception actors (`VIGIL_RAY_PERCEPTION_ACTORS`), with four
  cameras each keeping one frame in flight. By default cluster mode sends no frame through Ray (a camera's
  unit and its models run inside its actor); this is the price of shared perception;
- **failover**: a local cluster of a head and two worker nodes, a minimal actor on a `camera_slot`, its
  node killed: seconds until the actor answers from the other node (Ray's own part: noticing the death
  and starting the actor again; a camera adds its unit's start, measured by tests/cluster).

Every node runs on 127.0.0.1 with Vigil's quiet environment (`ray_env`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.cluster import ray_env
from vigil.cluster.batching import Batcher
from vigil.cluster.local import LOOPBACK, local_cluster
from vigil.domain import Frame, Observation
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.shared_frames import SharedFrame, frame_of

FRAME_SHAPE = (360, 640, 3)


def _init() -> None:
    return None


def read_frame(
    camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8] | SharedFrame
) -> Observation:
    """The pool's side: the frame read (a pixel summed), an empty observation back."""
    pixels = frame_of(image) if isinstance(image, SharedFrame) else image
    return Observation(camera_id, t_s, wall, motion=float(pixels[0, 0, 0]))


class FrameReader:
    """The actor's side, the same work."""

    def read(self, camera_id: int, t_s: float, image: NDArray[np.uint8]) -> Observation:
        return Observation(camera_id, t_s, time.time(), motion=float(image[0, 0, 0]))

    def node(self) -> str:
        import ray

        return str(ray.get_runtime_context().get_node_id())


ReadJob = tuple[int, float, NDArray[np.uint8]]


def read_all(jobs: Sequence[ReadJob]) -> list[Observation | BaseException]:
    return [
        Observation(camera_id, t_s, time.time(), motion=float(image[0, 0, 0]))
        for camera_id, t_s, image in jobs
    ]


class BatchedReader:
    """The same work behind the shared perception actors' batching."""

    def __init__(self, window_ms: float) -> None:
        self._batcher: Batcher[ReadJob, Observation] = Batcher(
            read_all, window_ms / 1000, 8, source_of=lambda job: job[0]
        )

    async def read(self, camera_id: int, t_s: float, image: NDArray[np.uint8]) -> Observation:
        return await self._batcher.submit((camera_id, t_s, image))

    def mean_batch(self) -> float:
        batches = self._batcher.stats.batches
        return self._batcher.stats.jobs / max(sum(batches.values()), 1)


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


async def pool_round_trips(frames: int) -> list[float]:
    pool = AnalysisPool(1, _init, read_frame)
    image = np.zeros(FRAME_SHAPE, dtype=np.uint8)
    times = []
    try:
        for index in range(frames + 5):
            frame = Frame(1, index, index / 10, time.time(), image)
            assert pool.try_acquire(1)
            start = time.perf_counter()
            await pool.analyse(frame, 0.0)
            if index >= 5:  # the first calls start the worker
                times.append(time.perf_counter() - start)
    finally:
        pool.shutdown()
    return times


def actor_round_trips(ray: Any, frames: int) -> list[float]:
    reader = ray.remote(FrameReader).options(num_cpus=0, resources={"camera_slot": 1}).remote()
    image = np.zeros(FRAME_SHAPE, dtype=np.uint8)
    times = []
    for index in range(frames + 5):
        start = time.perf_counter()
        ray.get(reader.read.remote(1, index / 10, image), timeout=60)
        if index >= 5:
            times.append(time.perf_counter() - start)
    ray.kill(reader)
    return times


async def batched_round_trips(
    ray: Any, frames: int, cameras: int, window_ms: float
) -> tuple[list[float], float]:
    """`cameras` senders, each with one frame in flight, to one batching actor: round trips and mean batch."""
    reader = ray.remote(BatchedReader).options(num_cpus=0, resources={"camera_slot": 1}).remote(window_ms)
    image = np.zeros(FRAME_SHAPE, dtype=np.uint8)
    times: list[float] = []

    async def camera(camera_id: int) -> None:
        for index in range(frames // cameras + 5):
            start = time.perf_counter()
            await reader.read.remote(camera_id, index / 10, image)
            if index >= 5:
                times.append(time.perf_counter() - start)

    await asyncio.gather(*(camera(camera_id) for camera_id in range(cameras)))
    mean_batch = float(ray.get(reader.mean_batch.remote(), timeout=60))
    ray.kill(reader)
    return times, mean_batch


def failover_s(ray: Any, cluster: Any, workers: list[Any]) -> float:
    actor = (
        ray.remote(FrameReader)
        .options(num_cpus=0, resources={"camera_slot": 1}, max_restarts=-1, max_task_retries=-1)
        .remote()
    )
    first = ray.get(actor.node.remote(), timeout=60)
    doomed = next(node for node in workers if node.node_id == first)
    killed_at = time.monotonic()
    cluster.remove_node(doomed, allow_graceful=False)
    while True:
        try:
            if ray.get(actor.node.remote(), timeout=2) != first:
                return time.monotonic() - killed_at
        except ray.exceptions.GetTimeoutError:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--failovers", type=int, default=3)
    args = parser.parse_args()
    ray = ray_env.import_ray()
    pool_ms = _ms(asyncio.run(pool_round_trips(args.frames)))
    failovers = []
    with tempfile.TemporaryDirectory() as home:
        for attempt in range(args.failovers):
            with local_cluster(Path(home), workers=2, slots=2) as (cluster, workers):
                ray_env.connect(cluster.address, LOOPBACK)
                try:
                    if attempt == 0:
                        actor_ms = _ms(actor_round_trips(ray, args.frames))
                        batched, mean_batch = asyncio.run(batched_round_trips(ray, args.frames, 4, 5.0))
                        batched_ms = _ms(batched)
                    failovers.append(failover_s(ray, cluster, workers))
                finally:
                    ray.shutdown()
    rows = [
        (
            "640×360 frame round trip, local pool (shared memory)",
            f"{pool_ms[0]:.2f} ms",
            f"{pool_ms[1]:.2f} ms",
        ),
        ("640×360 frame round trip, Ray actor call", f"{actor_ms[0]:.2f} ms", f"{actor_ms[1]:.2f} ms"),
        (
            f"the same, batching actor (5 ms window), 4 cameras, {mean_batch:.1f} frames a call on average",
            f"{batched_ms[0]:.2f} ms",
            f"{batched_ms[1]:.2f} ms",
        ),
        (
            f"failover of a minimal actor, node killed ({len(failovers)} runs)",
            f"{statistics.median(failovers):.1f} s",
            f"{max(failovers):.1f} s",
        ),
    ]
    print("\n## Ray's own cost (`python -m vigil.cluster.ray_bench`)")
    print("| measure | median | p95 / worst |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
