"""A parent process for the parent-death tests: `python -m tests.pipeline.pool_parent pool|watchdog`.

It starts workers, prints their pids as one JSON line, and waits to be killed.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import sys
import time

import numpy as np

from tests.pipeline.pool_workers import LONG_JOB, no_models, slow_on_request
from vigil.domain import Frame
from vigil.pipeline.pool import AnalysisPool, die_with_parent


async def pool_workers() -> None:
    """Two workers of a real pool, one of them busy with a long job (as the one that outlived a server)."""
    pool = AnalysisPool(2, no_models, slow_on_request)
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    for camera in (1, 2):
        assert pool.try_acquire(camera)
    busy = asyncio.ensure_future(pool.analyse(Frame(1, 0, 0.0, time.time(), image), LONG_JOB))
    await pool.analyse(Frame(2, 0, 0.0, time.time(), image), 0.0)
    assert len(pool.worker_pids()) == 2  # each job started its own worker
    print(json.dumps(pool.worker_pids()), flush=True)
    await busy


def _watched_child(parent_pid: int) -> None:
    die_with_parent(parent_pid, use_prctl=False)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(600)


def watchdog_child() -> None:
    """One process that relies on the polling watchdog alone (what non-Linux systems get)."""
    child = multiprocessing.get_context("spawn").Process(target=_watched_child, args=(os.getpid(),))
    child.start()
    print(json.dumps([child.pid]), flush=True)
    time.sleep(600)


if __name__ == "__main__":
    if sys.argv[1] == "pool":
        asyncio.run(pool_workers())
    else:
        watchdog_child()
