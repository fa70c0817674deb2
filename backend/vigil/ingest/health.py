"""Per-camera source health, written by the pipelines, read by the API."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

SourceState = Literal[
    "disabled", "pending", "connecting", "streaming", "reconnecting", "offline", "error", "ended"
]


@dataclass(frozen=True)
class SourceHealth:
    state: SourceState
    fps_in: float = 0.0
    fps_analysed: float = 0.0
    frames_dropped: int = 0
    last_frame_age_s: float | None = None
    reconnects: int = 0
    last_error: str | None = None
    analysis_restarts: int = 0  # times the analysis pool was replaced after a worker died (all cameras')
    fps_wanted: float = 0.0  # the analysis rate the camera is set to
    fps_unserved: float = 0.0  # frames a second the sampler took that the busy analysis pool could not


# An analysis pool that turns away this share of a camera's wanted rate is at capacity (not one busy moment)
BEHIND_SHARE = 0.2


def analysis_behind(health: SourceHealth) -> bool:
    """The camera streams, but the analysis pool is too busy to take its frames at the rate it is set to."""
    return health.state == "streaming" and health.fps_unserved > BEHIND_SHARE * max(health.fps_wanted, 1e-9)


class HealthRegistry:
    """The latest health of every running source. A camera without a running source is `pending`."""

    def __init__(self) -> None:
        self._by_camera: dict[int, SourceHealth] = {}

    def publish(self, camera_id: int, health: SourceHealth) -> None:
        self._by_camera[camera_id] = health

    def forget(self, camera_id: int) -> None:
        self._by_camera.pop(camera_id, None)

    def get(self, camera_id: int, enabled: bool) -> SourceHealth:
        if not enabled:
            return SourceHealth(state="disabled")
        return self._by_camera.get(camera_id, SourceHealth(state="pending"))


class RateMeter:
    """Events per second over a sliding window of `window_s`."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque()

    def _trim(self, now: float) -> None:
        while self._times and now - self._times[0] > self.window_s:
            self._times.popleft()

    def tick(self, now: float) -> None:
        self._times.append(now)
        self._trim(now)

    def per_s(self, now: float) -> float:
        self._trim(now)
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(1e-6, self._times[-1] - self._times[0])
