"""The process pool for perception: one job in flight per camera, so a busy camera never starves others."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Frame, Observation

AnalyseFrame = Callable[[int, float, float, float, NDArray[np.uint8]], Observation]


def _start_worker(initializer: Callable[..., None], *initargs: Any) -> None:
    """Workers leave Ctrl-C and SIGTERM to the server, which stops them in order (they share its group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    initializer(*initargs)


class AnalysisPool:
    """Frames cross to worker processes as arrays; observations come back. Started on first use.

    `broken` says why analysis stopped when a worker could not start (a model that does not load).
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None],
        analyse: AnalyseFrame,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._analyse = analyse
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight: set[int] = set()
        self.broken: str | None = None

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._initializer, *self._initargs),
            )
        return self._executor

    def try_acquire(self, camera_id: int) -> bool:
        """Claim the camera's one slot, synchronously, before scheduling `analyse`; False when taken."""
        if camera_id in self._in_flight or self.broken is not None:
            return False
        self._in_flight.add(camera_id)
        return True

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def analyse(self, frame: Frame, motion: float) -> Observation:
        """Needs the slot from `try_acquire`, and releases it: a busy camera drops frames, never queues."""
        if frame.camera_id not in self._in_flight:
            raise RuntimeError(f"camera {frame.camera_id}: analyse without try_acquire")
        try:
            loop = asyncio.get_running_loop()
            args: tuple[Any, ...] = (frame.camera_id, frame.t_s, frame.wall_time_s, motion, frame.image)
            return await loop.run_in_executor(self._started(), self._analyse, *args)
        except BrokenProcessPool as error:
            # A worker could not load its models (or died): stop sending frames rather than fail each one.
            self.broken = f"analysis stopped: a model worker failed ({error}); see the log of its start"
            raise
        finally:
            self._in_flight.discard(frame.camera_id)

    def shutdown(self) -> None:
        """Blocking (run it in a thread from async code): waits for the workers to exit, so none outlives
        the server holding its files and pipes."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
