"""The process pool for perception: one job in flight per camera, so a busy camera never starves others.

A worker that dies (a segfault in a model runtime, the OOM killer) breaks a `ProcessPoolExecutor` for
good; the pool then replaces it after a short, growing delay and carries on (`crashes.py` says when, and
which model is set aside when one keeps crashing). Workers die with the server: they ignore Ctrl-C and
SIGTERM (the server stops them in order) but not the death of their parent (`die_with_parent`).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as wait_for_ends
from multiprocessing.process import BaseProcess
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AudioChunk, Frame, Observation
from vigil.pipeline import beacon
from vigil.pipeline.beacon import Beacon, LastWords
from vigil.pipeline.crashes import Crash, CrashBook, RestartPolicy
from vigil.pipeline.shared_frames import FrameSlots, SharedFrame, frame_of
from vigil.pipeline.shared_frames import available as shared_memory_available

log = logging.getLogger(__name__)

AnalyseFrame = Callable[[int, float, float, float, NDArray[np.uint8]], Observation]
AnalyseAudio = Callable[[int, float, float, NDArray[np.float32]], Observation]
# A camera has one slot for its frames and one for its sound: a long sound window never costs a frame.
SlotKey = int | tuple[str, int]
Phase = Literal["frames", "audio", "speech"]

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_S = 0.5


def audio_slot(camera_id: int) -> SlotKey:
    return ("audio", camera_id)


def speech_slot(camera_id: int) -> SlotKey:
    """Transcription has its own slot: a clip of speech (about a second of work) never costs a sound
    window, so a scream is heard while the words before it are read."""
    return ("speech", camera_id)


def phase_of(slot: SlotKey) -> Phase:
    """The kind of work of a slot; a kind set aside (`frames`, `audio`, `speech`) is refused."""
    if not isinstance(slot, tuple):
        return "frames"
    return "speech" if slot[0] == "speech" else "audio"


def _set_parent_death_signal() -> bool:
    """Linux: the kernel sends SIGKILL to this process when the thread that spawned it ends."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def die_with_parent(parent_pid: int, use_prctl: bool = True) -> None:
    """Make this process end when `parent_pid` does, even killed with SIGKILL (so never cleaning up).

    On Linux, a parent-death signal, then a check that the parent did not die before it was set. Elsewhere
    (or if prctl fails), a daemon thread that polls the parent's pid twice a second.
    """
    if use_prctl and _set_parent_death_signal():
        if os.getppid() != parent_pid:
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="vigil-parent-watch", daemon=True).start()


def _start_worker(
    parent_pid: int,
    slots: Any,
    set_aside: frozenset[str],
    initializer: Callable[..., None],
    *initargs: Any,
) -> None:
    """Workers leave Ctrl-C and SIGTERM to the server, which stops them in order (they share its group),
    and die with it when it is killed."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    beacon.attach(slots, os.getpid(), set_aside)
    try:
        initializer(*initargs)
    except BaseException as error:
        beacon.note_error(f"{type(error).__name__}: {error}")
        raise
    beacon.note_phase("idle")


def _work(phase: Phase, work: Callable[..., Observation], *args: Any) -> Observation:
    """In the worker: one job, with the beacon saying what is running."""
    beacon.note_phase(phase)
    try:
        return work(*(frame_of(arg) if isinstance(arg, SharedFrame) else arg for arg in args))
    finally:
        beacon.note_phase("idle")


class AnalysisPool:
    """Frames cross to worker processes through shared memory (`shared_frames.py`; pickled arrays with
    `shared_memory=False` or where /dev/shm is missing); observations come back. Started on first use.

    `problem` says, in words, why analysis is paused (a worker died and the pool restarts shortly) or
    which models were set aside; `restarts` counts the pool's replacements since the server started.
    """

    def __init__(
        self,
        workers: int,
        initializer: Callable[..., None],
        analyse: AnalyseFrame,
        initargs: tuple[Any, ...] = (),
        analyse_audio: AnalyseAudio | None = None,
        policy: RestartPolicy | None = None,
        transcribe: AnalyseAudio | None = None,
        shared_memory: bool = True,
    ) -> None:
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._analyse = analyse
        self._analyse_audio = analyse_audio
        self._transcribe = transcribe
        self._executor: ProcessPoolExecutor | None = None
        self._beacon: Beacon | None = None
        self._in_flight: set[SlotKey] = set()
        self._book = CrashBook(policy or RestartPolicy())
        self._resume_at = 0.0  # monotonic time before which no work is sent (after a crash)
        self._generations = 0
        self.restarts = 0
        # one shared-memory segment per camera, unlinked whenever the workers are replaced or stopped
        self.frame_slots: FrameSlots | None = (
            FrameSlots() if shared_memory and shared_memory_available() else None
        )

    def _started(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("spawn")
            self._beacon = Beacon(context, self.workers)
            # Workers are spawned by `submit`, so in the thread that runs the event loop: the thread
            # that lives as long as the server, as the parent-death signal needs.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(
                    os.getpid(),
                    self._beacon.slots,
                    frozenset(self._book.set_aside),
                    self._initializer,
                    *self._initargs,
                ),
            )
            if self._generations:
                self.restarts += 1
                log.warning("analysis pool restarted (restart %s)", self.restarts)
            self._generations += 1
        return self._executor

    @property
    def hears(self) -> bool:
        """Whether the workers analyse sound at all."""
        return self._analyse_audio is not None

    @property
    def transcribes(self) -> bool:
        """Whether the workers turn speech into text."""
        return self._transcribe is not None

    @property
    def restarting(self) -> bool:
        """A worker died and the pool waits before it starts again."""
        return time.monotonic() < self._resume_at

    @property
    def set_aside(self) -> dict[str, str]:
        """Models (or whole kinds of work, `frames`/`audio`) set aside after crashes → why, in words."""
        return dict(self._book.set_aside)

    @property
    def problem(self) -> str | None:
        parts = []
        if self.restarting:
            wait_s = math.ceil(self._resume_at - time.monotonic())
            parts.append(f"analysis paused: {self._book.last_crash}; the pool restarts in {wait_s} s")
        parts.extend(self._book.set_aside.values())
        return "; ".join(parts) or None

    def doing(self, pid: int) -> LastWords | None:
        """What a worker of the current pool says it is doing (phase and model)."""
        return self._beacon.last_words(pid) if self._beacon is not None else None

    def worker_pids(self) -> list[int]:
        """The pids of the current workers (for tests and diagnostics)."""
        processes: dict[int, BaseProcess] = getattr(self._executor, "_processes", None) or {}
        return [pid for pid, process in processes.items() if process.is_alive()]

    def try_acquire(self, slot: SlotKey) -> bool:
        """Claim a slot (a camera id for frames, `audio_slot(id)` for sound), synchronously, before
        scheduling the work; False when taken, while the pool restarts, or when that work is set aside."""
        if slot in self._in_flight or self.restarting or phase_of(slot) in self._book.set_aside:
            return False
        self._in_flight.add(slot)
        return True

    def forget(self, camera_id: int) -> None:
        """A camera stopped: its shared-memory frame segment goes."""
        if self.frame_slots is not None:
            self.frame_slots.forget(camera_id)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def analyse(self, frame: Frame, motion: float) -> Observation:
        """Needs the slot from `try_acquire`, and releases it: a busy camera drops frames, never queues."""
        if frame.camera_id not in self._in_flight:
            raise RuntimeError(f"{frame.camera_id}: analysis without try_acquire")
        image: NDArray[np.uint8] | SharedFrame = frame.image
        if self.frame_slots is not None and frame.image.dtype == np.uint8:
            image = self.frame_slots.put(frame.camera_id, frame.image)  # safe: this camera's slot is ours
        args: tuple[Any, ...] = (frame.camera_id, frame.t_s, frame.wall_time_s, motion, image)
        return await self._run(frame.camera_id, self._analyse, args)

    async def analyse_audio(self, window: AudioChunk) -> Observation:
        """A window of a camera's sound (needs `try_acquire(audio_slot(id))`) → an observation of sounds."""
        if self._analyse_audio is None:
            raise RuntimeError("this pool does not analyse sound")
        args: tuple[Any, ...] = (window.camera_id, window.t_s, window.wall_time_s, window.samples)
        return await self._run(audio_slot(window.camera_id), self._analyse_audio, args)

    async def transcribe(self, clip: AudioChunk) -> Observation:
        """A clip of a camera's speech (needs `try_acquire(speech_slot(id))`) → its transcript."""
        if self._transcribe is None:
            raise RuntimeError("this pool does not transcribe speech")
        args: tuple[Any, ...] = (clip.camera_id, clip.t_s, clip.wall_time_s, clip.samples)
        return await self._run(speech_slot(clip.camera_id), self._transcribe, args)

    async def _run(
        self, slot: SlotKey, work: Callable[..., Observation], args: tuple[Any, ...]
    ) -> Observation:
        if slot not in self._in_flight:
            raise RuntimeError(f"{slot}: analysis without try_acquire")
        try:
            executor = self._started()
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(executor, _work, phase_of(slot), work, *args)
        except BrokenProcessPool:
            self._replace(executor)
            raise
        finally:
            self._in_flight.discard(slot)
        self._book.succeeded()
        return result

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        """A worker died: blame what it was running, end the broken pool, start again after a delay."""
        if executor is not self._executor:
            return  # every job in flight fails with the same break; the first one handles it
        self._executor = None
        processes: list[BaseProcess] = list((getattr(executor, "_processes", None) or {}).values())
        # The sentinel, not `exitcode`: the executor's own thread may be reaping the dead one right now.
        dead = [process for process in processes if wait_for_ends([process.sentinel], timeout=0)]
        for process in processes:
            if process not in dead:
                process.kill()  # they ignore SIGTERM; the executor's own clean-up would wait for them
        for process in dead:
            process.join(timeout=0.1)  # already over: this only collects its exit code
        # ... unless the executor's thread reaped it first: its exit code lands on the same object soon
        patience = time.monotonic() + 0.5
        while any(p.exitcode is None for p in dead) and time.monotonic() < patience:
            time.sleep(0.02)
        crashes = [
            Crash(process.exitcode, self._beacon.last_words(process.pid or 0) if self._beacon else None)
            for process in dead
        ]
        delay_s = self._book.crashed(time.monotonic(), crashes or [Crash(None, None)])
        self._resume_at = time.monotonic() + delay_s
        executor.shutdown(wait=False, cancel_futures=True)
        if self.frame_slots is not None:
            self.frame_slots.release()  # the dead worker's mapping went with it; the next frames get new ones
        log.error("%s; the analysis pool restarts in %.0f s", self._book.last_crash, delay_s)
        for why in self._book.set_aside.values():
            log.error("%s", why)

    def shutdown(self) -> None:
        """Blocking (run it in a thread from async code): waits for the workers to exit, so none outlives
        the server holding its files and pipes."""
        executor, self._executor = self._executor, None
        if self.frame_slots is not None:
            self.frame_slots.release()
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
