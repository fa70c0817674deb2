"""The pool's workers load the models once; a model that cannot load is set aside, with the reason."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from tests.media import shared_media_dir
from tests.perception.test_objects import read_image
from vigil.domain import Frame
from vigil.perception.objects import DEFAULT_NANODET
from vigil.perception.worker import PerceptionConfig, analyse_frame, init_worker
from vigil.pipeline.pool import AnalysisPool


def bus_frame() -> Frame:
    return Frame(7, 0, 0.0, time.time(), read_image(shared_media_dir() / "images" / "bus.jpg"))


async def test_worker_finds_the_bus_and_its_passengers() -> None:
    pool = AnalysisPool(1, init_worker, analyse_frame, initargs=(PerceptionConfig(DEFAULT_NANODET),))
    try:
        assert pool.try_acquire(7)
        observation = await pool.analyse(bus_frame(), motion=1.0)
    finally:
        pool.shutdown()
    labels = [d.label for d in observation.detections]
    assert "bus" in labels
    assert labels.count("person") >= 3
    assert len(observation.poses) >= 2  # the pedestrians in full view
    assert all(len(pose.keypoints) == 17 for pose in observation.poses)
    assert observation.analysis_ms > 0


async def test_poses_can_be_turned_off() -> None:
    config = PerceptionConfig(DEFAULT_NANODET, pose_model=None)
    pool = AnalysisPool(1, init_worker, analyse_frame, initargs=(config,))
    try:
        assert pool.try_acquire(7)
        observation = await pool.analyse(bus_frame(), motion=1.0)
    finally:
        pool.shutdown()
    assert observation.detections
    assert observation.poses == ()


async def test_a_model_that_does_not_load_is_set_aside_at_once_and_the_others_run(tmp_path: Path) -> None:
    corrupt = tmp_path / "nanodet.onnx"
    corrupt.write_bytes(b"not an onnx file" * 100)
    PerceptionConfig(corrupt).check()  # present and not an LFS pointer: only loading can tell
    pool = AnalysisPool(1, init_worker, analyse_frame, initargs=(PerceptionConfig(corrupt),))
    try:
        assert pool.try_acquire(7)
        with pytest.raises(BrokenProcessPool):
            await pool.analyse(bus_frame(), motion=1.0)
        why = pool.set_aside["objects"]
        assert why.startswith("the objects model (nanodet.onnx) is set aside: it could not load")
        assert "not a valid ONNX model" in why
        # loading it again would fail the same way: the pool restarts without it, the pose model loads
        await wait_for_slot(pool, 7)
        observation = await pool.analyse(bus_frame(), motion=1.0)
        assert observation.detections == ()
        assert pool.problem == why
        assert pool.restarts == 1
    finally:
        pool.shutdown()


async def wait_for_slot(pool: AnalysisPool, slot: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not pool.try_acquire(slot):
        assert time.monotonic() < deadline, f"the pool did not take work within {timeout_s} s"
        await asyncio.sleep(0.05)
