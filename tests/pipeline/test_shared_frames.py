"""Frames reach the workers through shared memory: the worker sees the very frame, a worker that dies
holding a frame leaks no segment, and its camera is analysed again once the pool is replaced. Real
worker processes throughout."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from tests.pipeline.shared_frame_workers import HOLD, checksum, no_models
from vigil.domain import Frame
from vigil.pipeline.crashes import RestartPolicy
from vigil.pipeline.pool import AnalysisPool
from vigil.pipeline.shared_frames import FrameSlots, available, frame_of, leftover_segments

pytestmark = pytest.mark.skipif(not available(), reason="shared frames need /dev/shm (Linux)")

CAMERA = 7


def picture(height: int = 576, width: int = 768, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)


def frame(image: np.ndarray) -> Frame:
    return Frame(CAMERA, 0, 0.0, time.time(), image)


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s} s for {what}")
        await asyncio.sleep(0.05)


def test_a_frame_put_in_a_slot_reads_back_the_same_and_release_unlinks_it() -> None:
    slots = FrameSlots()
    try:
        first = picture()
        shared = slots.put(CAMERA, first)
        assert np.array_equal(frame_of(shared), first)
        again = slots.put(CAMERA, picture(seed=2))
        assert again.name == shared.name  # the camera's segment is reused frame after frame
        bigger = slots.put(CAMERA, picture(720, 1280))
        assert bigger.name != shared.name
        assert leftover_segments(slots.prefix) == [bigger.name]  # the smaller one was unlinked
        assert np.array_equal(frame_of(bigger), picture(720, 1280))
        slots.forget(CAMERA)  # the camera stopped
        assert leftover_segments(slots.prefix) == []
        slots.put(CAMERA, first)
    finally:
        slots.release()
    assert leftover_segments(slots.prefix) == []


async def test_the_worker_sees_each_frame_of_each_camera() -> None:
    pool = AnalysisPool(1, no_models, checksum)
    try:
        assert pool.frame_slots is not None
        for seed, size in ((1, (576, 768)), (2, (576, 768)), (3, (360, 640))):
            image = picture(*size, seed=seed)
            assert pool.try_acquire(CAMERA)
            seen = await pool.analyse(frame(image), 0.5)
            assert seen.motion == float(image.sum())
            assert seen.t_s == size[0] * 10_000 + size[1]
    finally:
        pool.shutdown()
    assert leftover_segments(pool.frame_slots.prefix) == []


async def test_a_worker_killed_holding_a_frame_leaks_nothing_and_the_camera_recovers() -> None:
    pool = AnalysisPool(1, no_models, checksum, policy=RestartPolicy(first_delay_s=0.2))
    assert pool.frame_slots is not None
    prefix = pool.frame_slots.prefix
    try:
        assert pool.try_acquire(CAMERA)
        held = asyncio.ensure_future(pool.analyse(frame(picture()), HOLD))
        await wait_for(lambda: bool(pool.worker_pids()), "a worker")
        [worker] = pool.worker_pids()
        await wait_for(lambda: (w := pool.doing(worker)) is not None and w.phase == "frames", "its frame")
        assert len(leftover_segments(prefix)) == 1  # the camera's frame, mapped by the worker

        os.kill(worker, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await held
        assert leftover_segments(prefix) == []  # the pool was replaced: nothing of the old one is left

        await wait_for(lambda: pool.try_acquire(CAMERA), "the pool to take work again")
        image = picture(seed=5)
        seen = await pool.analyse(frame(image), 0.5)
        assert seen.motion == float(image.sum())
        assert pool.restarts == 1
    finally:
        pool.shutdown()
    assert leftover_segments(prefix) == []


async def test_pickled_frames_still_work_when_shared_memory_is_off() -> None:
    pool = AnalysisPool(1, no_models, checksum, shared_memory=False)
    try:
        assert pool.frame_slots is None
        image = picture(seed=9)
        assert pool.try_acquire(CAMERA)
        assert (await pool.analyse(frame(image), 0.5)).motion == float(image.sum())
    finally:
        pool.shutdown()
