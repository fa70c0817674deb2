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

from vigil.domain import AudioChunk, Frame, Observation

AnalyseFrame = Callable[[int, float, float, float, NDArray[np.uint8]], Observation]
AnalyseAudio = Callable[[int, float, float, NDArray[np.float32]], Observation]
# A camera has one slot for its frames and one for its sound: a long sound window never costs a frame.
SlotKey = int | tuple[str, int]


def audio_slot(camera_id: int) -> SlotKey:
    return ("audio", camera_id)


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
        analyse_audio: AnalyseAudio | None = None,
    ) -> None:
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._analyse = analyse
        self._analyse_audio = analyse_audio
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight: set[SlotKey] = set()
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

    @property
    def hears(self) -> bool:
        """Whether the workers analyse sound at all."""
        return self._analyse_audio is not None

    def try_acquire(self, slot: SlotKey) -> bool:
        """Claim a slot (a camera id for frames, `audio_slot(id)` for sound), synchronously, before
        scheduling the work; False when taken."""
        if slot in self._in_flight or self.broken is not None:
            return False
        self._in_flight.add(slot)
        return True

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def analyse(self, frame: Frame, motion: float) -> Observation:
        """Needs the slot from `try_acquire`, and releases it: a busy camera drops frames, never queues."""
        args: tuple[Any, ...] = (frame.camera_id, frame.t_s, frame.wall_time_s, motion, frame.image)
        return await self._run(frame.camera_id, self._analyse, args)

    async def analyse_audio(self, window: AudioChunk) -> Observation:
        """A window of a camera's sound (needs `try_acquire(audio_slot(id))`) → an observation of sounds."""
        if self._analyse_audio is None:
            raise RuntimeError("this pool does not analyse sound")
        args: tuple[Any, ...] = (window.camera_id, window.t_s, window.wall_time_s, window.samples)
        return await self._run(audio_slot(window.camera_id), self._analyse_audio, args)

    async def _run(
        self, slot: SlotKey, work: Callable[..., Observation], args: tuple[Any, ...]
    ) -> Observation:
        if slot not in self._in_flight:
            raise RuntimeError(f"{slot}: analysis without try_acquire")
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._started(), work, *args)
        except BrokenProcessPool as error:
            # A worker could not load its models (or died): stop sending work rather than fail each item.
            self.broken = f"analysis stopped: a model worker failed ({error}); see the log of its start"
            raise
        finally:
            self._in_flight.discard(slot)

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
