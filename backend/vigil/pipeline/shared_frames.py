"""Frames cross to the pool's workers through shared memory instead of pickled arrays.

The server owns every segment: one per camera (`FrameSlots`), reused frame after frame, written only while
the camera holds its pool slot (one frame in flight per camera, so a worker never reads a segment the
server is writing). A worker maps the segment read-only by name (`frame_of`) and gets the image as a view,
without a copy. Segments are created with `multiprocessing.shared_memory`, so the server's resource
tracker unlinks them even when the server itself is killed; workers map them through `/dev/shm` directly
and never register them, so a worker that dies (even holding a frame) leaves nothing to clean up and never
unlinks a segment the server still uses. The pool unlinks every segment when it replaces its workers and
when it shuts down.

Linux only (`/dev/shm`); elsewhere `available()` is False and the pool pickles frames as before.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
from collections import OrderedDict
from dataclasses import dataclass
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SHM_DIR = Path("/dev/shm")  # noqa: S108 - POSIX shared memory itself, not a temporary file
PREFIX = "vigil-frames"
WORKER_MAPS = 64  # segments a worker keeps mapped (cameras × size changes); the oldest are dropped


def available() -> bool:
    return SHM_DIR.is_dir() and os.access(SHM_DIR, os.W_OK)


@dataclass(frozen=True, slots=True)
class SharedFrame:
    """What crosses to the worker instead of the image: where it lies and its shape (uint8 H×W×C)."""

    name: str
    shape: tuple[int, ...]


class FrameSlots:
    """The server's side: one segment per camera, recreated when the camera's frame size changes."""

    _counter = itertools.count()

    def __init__(self) -> None:
        self.prefix = f"{PREFIX}-{os.getpid()}-{next(self._counter)}"
        self._segments: dict[int, shared_memory.SharedMemory] = {}
        self._serial = itertools.count()

    def put(self, camera_id: int, image: NDArray[np.uint8]) -> SharedFrame:
        """Copy `image` into the camera's segment. Call only while the camera holds its pool slot."""
        if image.dtype != np.uint8:
            raise ValueError(f"shared frames are uint8, got {image.dtype}")
        segment = self._segments.get(camera_id)
        if segment is None or segment.size < image.nbytes:
            if segment is not None:
                _drop(segment)
            name = f"{self.prefix}-{camera_id}-{next(self._serial)}"
            segment = shared_memory.SharedMemory(name=name, create=True, size=max(1, image.nbytes))
            self._segments[camera_id] = segment
        view: NDArray[np.uint8] = np.ndarray(image.shape, dtype=np.uint8, buffer=segment.buf)
        view[...] = image
        del view  # a view left alive would keep the segment's buffer exported (close() refuses)
        return SharedFrame(segment.name, tuple(image.shape))

    def forget(self, camera_id: int) -> None:
        """Unlink a camera's segment (the camera stopped); a worker still reading it keeps its mapping."""
        segment = self._segments.pop(camera_id, None)
        if segment is not None:
            _drop(segment)

    def names(self) -> list[str]:
        return [segment.name for segment in self._segments.values()]

    def release(self) -> None:
        """Unlink every segment (the pool's workers were replaced or stopped)."""
        for segment in self._segments.values():
            _drop(segment)
        self._segments.clear()


def _drop(segment: shared_memory.SharedMemory) -> None:
    with contextlib.suppress(BufferError):  # a view still exported here: the mapping goes with it, later
        segment.close()
    with contextlib.suppress(FileNotFoundError):
        segment.unlink()


def leftover_segments(prefix: str = PREFIX) -> list[str]:
    """Names of the segments under /dev/shm that start with `prefix` (tests, diagnostics)."""
    if not SHM_DIR.is_dir():
        return []
    return sorted(p.name for p in SHM_DIR.iterdir() if p.name.startswith(prefix))


# --- the worker's side ------------------------------------------------------------------------------
_maps: OrderedDict[str, mmap.mmap] = OrderedDict()


def frame_of(shared: SharedFrame) -> NDArray[np.uint8]:
    """In a worker: the frame as a read-only view of the server's segment (mapped once per segment)."""
    mapped = _maps.get(shared.name)
    if mapped is None:
        fd = os.open(SHM_DIR / shared.name, os.O_RDONLY)
        try:
            mapped = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        finally:
            os.close(fd)
        _maps[shared.name] = mapped
        while len(_maps) > WORKER_MAPS:
            _maps.popitem(last=False)  # unmapped once no array views it any more
    else:
        _maps.move_to_end(shared.name)
    count = int(np.prod(shared.shape))
    image: NDArray[np.uint8] = np.frombuffer(mapped, dtype=np.uint8, count=count).reshape(shared.shape)
    return image
