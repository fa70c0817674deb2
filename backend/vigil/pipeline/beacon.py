"""What each pool worker is doing, in memory shared with the server, read when a worker dies.

A worker killed by a signal (a segfault in a model runtime, the OOM killer) says nothing on its way out,
and `ProcessPoolExecutor` only reports that "a process terminated abruptly". So every worker keeps one
slot of a shared array up to date: its pid, the phase it is in (`start`, `idle`, `frames`, `audio`), the
model it is running (`objects`, `pose`...) and, if its start failed with an exception, the message. The
server reads the slot of the dead worker to know which model to blame (`AnalysisPool`).

The worker side (`note_model`, `set_aside_models`) costs a few attribute writes per call and does nothing
outside a pool worker (replay, `vigil detect` and the bench call the same worker functions in-process).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from multiprocessing.context import SpawnContext
from typing import Any

_TEXT = 400


class _Slot(ctypes.Structure):
    _fields_ = [
        ("pid", ctypes.c_int),
        ("phase", ctypes.c_char * 16),
        ("model", ctypes.c_char * 32),
        ("model_file", ctypes.c_char * 128),
        ("error", ctypes.c_char * _TEXT),
    ]


@dataclass(frozen=True)
class LastWords:
    """What a worker was doing when it died."""

    phase: str  # start, idle, frames, audio
    model: str  # "" when no model was running
    model_file: str
    error: str  # the exception that ended its start, "" for a crash


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _bytes(text: str, size: int) -> bytes:
    return text.encode("utf-8", "replace")[: size - 1]


class Beacon:
    """The server's side: one slot per worker of one pool generation (a fresh beacon per restart)."""

    def __init__(self, context: SpawnContext, workers: int) -> None:
        self.slots: Any = context.Array(_Slot, workers)  # a SynchronizedArray; its lock guards claiming

    def last_words(self, pid: int) -> LastWords | None:
        for slot in self.slots.get_obj():
            if slot.pid == pid:
                return LastWords(
                    _text(slot.phase), _text(slot.model), _text(slot.model_file), _text(slot.error)
                )
        return None


# --- the worker's side ------------------------------------------------------------------------------

_mine: list[Any] = []  # this worker's slot, once claimed
_set_aside: list[frozenset[str]] = [frozenset()]


def attach(slots: Any, pid: int, set_aside: frozenset[str]) -> None:
    """In a new worker: claim a free slot and remember which models the server has set aside."""
    _set_aside[0] = set_aside
    with slots.get_lock():
        for slot in slots.get_obj():
            if slot.pid == 0:
                slot.pid = pid
                _mine[:] = [slot]
                break
    note_phase("start")


def note_phase(phase: str) -> None:
    if _mine:
        _mine[0].phase = _bytes(phase, 16)
        _mine[0].model = b""
        _mine[0].model_file = b""


def note_model(model: str, model_file: str = "") -> None:
    """Called by the worker functions before each model runs (or loads): who to blame for a crash."""
    if _mine:
        _mine[0].model = _bytes(model, 32)
        _mine[0].model_file = _bytes(model_file, 128)


def note_error(error: str) -> None:
    if _mine:
        _mine[0].error = _bytes(error, _TEXT)


def set_aside_models() -> frozenset[str]:
    """The models this worker must not load or run: they crashed workers before (empty outside a pool)."""
    return _set_aside[0]
