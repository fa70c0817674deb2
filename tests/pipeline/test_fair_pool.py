"""One slow camera cannot starve the others: each camera has one frame in the pool, the rest are dropped."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import AsyncIterator

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Frame, Observation
from vigil.ingest.base import SourceItem
from vigil.ingest.health import SourceHealth, analysis_behind
from vigil.pipeline.camera import CameraPipeline
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool

SLOW_CAMERA, QUICK_CAMERA = 1, 2


def no_models() -> None:
    pass


def uneven_analyser(
    camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    time.sleep(0.4 if camera_id == SLOW_CAMERA else 0.02)
    return Observation(camera_id, t_s, wall, motion)


class MovingSquare:
    """A 10 fps source of a square crossing the picture, for `seconds` of real time."""

    def __init__(self, camera_id: int, seconds: float) -> None:
        self.camera_id = camera_id
        self.seconds = seconds

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        for index in range(int(self.seconds * 10)):
            image = np.full((240, 320, 3), 60, dtype=np.uint8)
            x = (index * 12) % 280
            image[100:140, x : x + 40] = 250
            yield Frame(self.camera_id, index, index / 10, time.time(), image)
            await asyncio.sleep(0.1)

    def health(self) -> SourceHealth:
        return SourceHealth(state="streaming")

    async def close(self) -> None:
        return None


async def test_slow_camera_drops_its_own_frames_and_the_quick_one_keeps_its_rate() -> None:
    pool = AnalysisPool(1, no_models, uneven_analyser)
    metrics = PipelineMetrics()
    analysed: Counter[int] = Counter()
    quick_delays: list[float] = []

    async def count(observation: Observation) -> None:
        analysed[observation.camera_id] += 1
        if observation.camera_id == QUICK_CAMERA:
            quick_delays.append(time.time() - observation.wall_time_s)

    pipelines = {cid: CameraPipeline(cid, 5.0, pool, metrics, count) for cid in (SLOW_CAMERA, QUICK_CAMERA)}
    warm = await pool_warm_up(pool)
    await asyncio.gather(*(p.run(MovingSquare(cid, 5.0)) for cid, p in pipelines.items()))
    await asyncio.sleep(0.5)
    pool.shutdown()
    assert warm
    slow_drops = metrics.frames_dropped.labels(str(SLOW_CAMERA), "pool")._value.get()
    quick_drops = metrics.frames_dropped.labels(str(QUICK_CAMERA), "pool")._value.get()
    # 25 frames were offered to each at 5 fps. The slow one takes 0.4 s a frame: queued, its backlog would
    # grow by a second every second and delay the quick camera's frames more and more. Instead the slow
    # camera drops its own frames, and the quick one waits at most for one slow frame.
    assert analysed[SLOW_CAMERA] <= 14
    assert slow_drops >= 10
    assert analysed[QUICK_CAMERA] >= 8
    assert quick_drops <= 17
    assert max(quick_delays) < 0.9
    assert sorted(quick_delays)[len(quick_delays) // 2] < 0.5


async def pool_warm_up(pool: AnalysisPool) -> bool:
    """Start the worker process before timing anything (spawning takes about a second)."""
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    assert pool.try_acquire(QUICK_CAMERA)
    observation = await pool.analyse(Frame(QUICK_CAMERA, 0, 0.0, time.time(), image), 0.0)
    return observation.camera_id == QUICK_CAMERA


async def test_a_camera_the_pool_cannot_keep_up_with_says_so_in_its_health() -> None:
    """Set to 5 fps with 0.4 s of analysis a frame, a camera gets about 2.5: its health says the machine is
    at capacity (`analysis_behind`); a camera the pool keeps up with does not."""
    pool = AnalysisPool(1, no_models, uneven_analyser)
    metrics = PipelineMetrics()

    async def ignore(_observation: Observation) -> None:
        return None

    try:
        assert await pool_warm_up(pool)
        health = {}
        for camera_id in (SLOW_CAMERA, QUICK_CAMERA):
            pipeline = CameraPipeline(camera_id, 5.0, pool, metrics, ignore)
            await pipeline.run(MovingSquare(camera_id, 3.0))
            health[camera_id] = pipeline.health(SourceHealth(state="streaming"))
            await pipeline.stop()
    finally:
        pool.shutdown()
    slow, quick = health[SLOW_CAMERA], health[QUICK_CAMERA]
    assert (slow.fps_wanted, quick.fps_wanted) == (5.0, 5.0)
    assert slow.fps_unserved >= 1.5, slow
    assert analysis_behind(slow)
    assert quick.fps_unserved == 0.0, quick
    assert not analysis_behind(quick)
    assert not analysis_behind(dataclasses.replace(slow, state="offline"))  # offline says so itself
