"""Bounded pre-roll memory: the last N seconds of items, appended from any thread."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

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

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
