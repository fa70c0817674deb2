"""Sliding-window counters for login attempts. In memory: one API process enforces its own limits."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Counts events per key over the last `window_s` seconds; `max_events` are allowed."""

    def __init__(self, max_events: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_events = max_events
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}

    def _live(self, key: str) -> deque[float]:
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
        return events

    def retry_after_s(self, key: str) -> float:
        """0 when another event is allowed now, else seconds until the oldest event leaves the window."""
        events = self._live(key)
        if len(events) < self.max_events:
            return 0.0
        return max(0.0, self.window_s - (self._clock() - events[0]))

    def record(self, key: str) -> None:
        self._live(key)
        self._events.setdefault(key, deque()).append(self._clock())

    def reset(self, key: str) -> None:
        self._events.pop(key, None)
