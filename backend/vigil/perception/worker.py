"""What runs inside each pool process. Models load in `init_worker`, never at import.

Until real models land, the analyser only reports that it saw the frame; the pipeline already measured
motion before handing the frame over.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Observation

_loaded: dict[str, object] = {}


def init_worker() -> None:
    """Pool initializer: load every model once per process."""
    _loaded["analyser"] = "trivial"


def analyse_frame(
    camera_id: int, t_s: float, wall_time_s: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    if "analyser" not in _loaded:
        raise RuntimeError("perception worker used before init_worker ran")
    start = time.perf_counter()
    return Observation(
        camera_id=camera_id,
        t_s=t_s,
        wall_time_s=wall_time_s,
        motion=motion,
        detections=(),
        analysis_ms=(time.perf_counter() - start) * 1000,
    )
