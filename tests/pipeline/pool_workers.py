"""Worker functions for the pool's crash tests: importable by the spawned workers, no models."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Observation
from vigil.pipeline.beacon import note_model, set_aside_models

LONG_JOB = 1.0  # a frame's `motion` value that makes `slow_on_request` take its time


def no_models() -> None:
    pass


def slow_on_request(
    camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    if motion == LONG_JOB:
        time.sleep(30)
    return Observation(camera_id, t_s, wall, motion)


def crashing_model(
    camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    """A model that segfaults on every frame (a SIGKILL of its own worker stands for the segfault)."""
    if "bomb" not in set_aside_models():
        note_model("bomb", "bomb.onnx")
        os.kill(os.getpid(), signal.SIGKILL)
    return Observation(camera_id, t_s, wall, motion)


def quiet_audio(camera_id: int, t_s: float, wall: float, samples: NDArray[np.float32]) -> Observation:
    return Observation(camera_id, t_s, wall, modality="audio")
