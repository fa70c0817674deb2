"""Worker functions for the shared-memory tests: importable by the spawned workers, no models."""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Observation

HOLD = -1.0  # a frame's `motion` value that makes `checksum` hold the frame for a long time


def no_models() -> None:
    pass


def checksum(camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8]) -> Observation:
    """What the worker saw: the image's sum and shape, in the observation's `motion` and `t_s`."""
    if motion == HOLD:
        time.sleep(30)
    return Observation(camera_id, float(image.shape[0] * 10_000 + image.shape[1]), wall, float(image.sum()))
