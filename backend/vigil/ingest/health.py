"""Per-camera source health, written by the pipelines, read by the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceState = Literal["disabled", "pending", "connecting", "streaming", "reconnecting", "offline", "error"]


@dataclass(frozen=True)
class SourceHealth:
    state: SourceState
    fps_in: float = 0.0
    fps_analysed: float = 0.0
    frames_dropped: int = 0
    last_frame_age_s: float | None = None
    reconnects: int = 0
    last_error: str | None = None


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
