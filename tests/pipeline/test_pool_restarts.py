"""A model worker that dies (SIGKILL here, as the OOM killer or a segfault would) costs seconds of analysis,
not the rest of the server's life; a model that keeps killing its worker is set aside, the rest runs on.
Real worker processes throughout."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from tests.pipeline.pool_workers import LONG_JOB, crashing_model, no_models, quiet_audio, slow_on_request
from vigil.domain import AudioChunk, Frame
from vigil.pipeline.crashes import RestartPolicy
from vigil.pipeline.pool import AnalysisPool, audio_slot

CAMERA = 3


def frame(motion: float = 0.5) -> Frame:
    return Frame(CAMERA, 0, 0.0, time.time(), np.zeros((8, 8, 3), dtype=np.uint8))


def sound() -> AudioChunk:
    return AudioChunk(CAMERA, 0.0, time.time(), np.zeros(16_000, dtype=np.float32))


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s} s for {what}")
        await asyncio.sleep(0.05)


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_a_killed_worker_is_replaced_and_analysis_resumes() -> None:
    pool = AnalysisPool(1, no_models, slow_on_request)
    try:
        assert pool.try_acquire(CAMERA)
        await pool.analyse(frame(), 0.5)
        [first] = pool.worker_pids()
        assert pool.try_acquire(CAMERA)
        running = asyncio.ensure_future(pool.analyse(frame(), LONG_JOB))
        await wait_for(lambda: (w := pool.doing(first)) is not None and w.phase == "frames", "the long job")

        os.kill(first, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            await running
        assert pool.problem is not None
        assert "a model worker was killed by SIGKILL while analysing frames" in pool.problem
        assert "restarts in" in pool.problem
        assert not pool.try_acquire(CAMERA)  # paused, not piling work on a broken pool

        await wait_for(lambda: pool.try_acquire(CAMERA), "the pool to take work again")
        observation = await pool.analyse(frame(), 0.5)
        assert observation.camera_id == CAMERA
        assert pool.restarts == 1
        assert pool.problem is None  # nothing set aside: one crash blames nobody for good
        [second] = pool.worker_pids()
        assert second != first
        assert gone(first)
    finally:
        pool.shutdown()


async def test_a_model_that_keeps_killing_its_worker_is_set_aside_and_the_rest_keeps_running() -> None:
    policy = RestartPolicy(first_delay_s=0.2, max_delay_s=0.4, crashes_to_set_aside=3)
    pool = AnalysisPool(1, no_models, crashing_model, analyse_audio=quiet_audio, policy=policy)
    try:
        crashes = 0
        while "bomb" not in pool.set_aside:
            await wait_for(lambda: pool.try_acquire(CAMERA), "the pool to take work again")
            with pytest.raises(BrokenProcessPool):
                await pool.analyse(frame(), 0.5)
            crashes += 1
            assert crashes <= 3
        assert crashes == 3
        why = pool.set_aside["bomb"]
        assert "the bomb model (bomb.onnx) is set aside" in why
        assert "crashed its worker 3 times" in why
        assert "while analysing frames" in why

        await wait_for(lambda: pool.try_acquire(CAMERA), "the pool to take work again")
        observation = await pool.analyse(frame(), 0.5)  # the frame is analysed without the bad model
        assert observation.camera_id == CAMERA
        assert pool.try_acquire(audio_slot(CAMERA))
        assert (await pool.analyse_audio(sound())).modality == "audio"
        assert pool.problem == why  # what the cameras' health shows from now on
        assert pool.restarts == 3
    finally:
        pool.shutdown()
