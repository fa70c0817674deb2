"""Bounded pre-roll memory: the last N seconds of items, appended from any thread; frames as JPEGs for
cameras that send no encoded packets."""

from __future__ import annotations

import io
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from PIL import Image

from vigil.domain import Frame

T = TypeVar("T")


class TimeRing(Generic[T]):
    """Keeps items whose time is within `seconds` of the newest, and never more than `max_items`."""

    def __init__(self, seconds: float, time_of: Callable[[T], float], max_items: int = 10_000) -> None:
        self.seconds = seconds
        self._time_of = time_of
        self._items: deque[T] = deque(maxlen=max_items)
        self._lock = threading.Lock()

    def append(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            newest = self._time_of(item)
            while self._items and newest - self._time_of(self._items[0]) > self.seconds:
                self._items.popleft()

    def between(self, start_s: float, end_s: float) -> list[T]:
        with self._lock:
            return [item for item in self._items if start_s <= self._time_of(item) <= end_s]

    def snapshot(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


@dataclass(frozen=True, slots=True)
class StoredFrame:
    """A frame kept for the clips of a camera without encoded packets (WebRTC): a small JPEG."""

    camera_id: int
    t_s: float
    wall_time_s: float
    jpeg: bytes

    def decode(self) -> Frame:
        image = np.asarray(Image.open(io.BytesIO(self.jpeg)).convert("RGB"), dtype=np.uint8)
        return Frame(self.camera_id, 0, self.t_s, self.wall_time_s, image)


class FrameRing:
    """The last `seconds` of a camera's frames at `fps`, at most `max_side` px, as JPEGs (~60 kB each: a
    minute at 5 fps is ~18 MB, where raw 640 px frames would be ~270 MB)."""

    def __init__(self, seconds: float, fps: float = 5.0, max_side: int = 640, quality: int = 80) -> None:
        self.ring: TimeRing[StoredFrame] = TimeRing(
            seconds, lambda f: f.t_s, max_items=int(seconds * fps) + 10
        )
        self.interval_s = 1.0 / fps
        self.max_side = max_side
        self.quality = quality
        self._last_t: float | None = None

    def offer(self, frame: Frame) -> bool:
        """Keep `frame` if it is due (at most `fps` a second); True when kept."""
        if self._last_t is not None and frame.t_s - self._last_t < self.interval_s - 1e-3:
            return False
        self._last_t = frame.t_s
        picture = Image.fromarray(frame.image)
        scale = self.max_side / max(picture.size)
        if scale < 1:
            size = (max(2, round(picture.width * scale)), max(2, round(picture.height * scale)))
            picture = picture.resize(size, Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=self.quality)
        self.ring.append(StoredFrame(frame.camera_id, frame.t_s, frame.wall_time_s, buffer.getvalue()))
        return True

    def frames(self) -> list[Frame]:
        return [stored.decode() for stored in self.ring.snapshot()]

    def clear(self) -> None:
        self.ring.clear()
        self._last_t = None
