"""`CameraTracking`: a camera's tracker and actions, the same for a live unit and the offline chain.

They need every analysed frame of one camera in order, so they run where the camera's observations come
back (the unit in the API process, or the offline chain's loop). They start at the first observation, in
the zones they are given, and start again after `reset` (a reconnect, new zones: dwell clocks belong to the
zones)."""

from __future__ import annotations

from vigil.domain import Observation
from vigil.tracking.actions import CameraActions
from vigil.tracking.zones import Zone

DEFAULT_ASPECT = 16 / 9  # before the camera's first frame


class CameraTracking:
    def __init__(self) -> None:
        self._actions: CameraActions | None = None

    @property
    def zones(self) -> tuple[Zone, ...] | None:
        """The zones tracking runs in now (None until the next observation starts it)."""
        return None if self._actions is None else self._actions.zones

    def reset(self) -> None:
        self._actions = None

    def track(
        self, observation: Observation, zones: tuple[Zone, ...], frame_aspect: float = DEFAULT_ASPECT
    ) -> Observation:
        """The observation with its track ids, zones and actions."""
        if self._actions is None:
            self._actions = CameraActions(zones=zones, frame_aspect=frame_aspect)
        return self._actions.update(observation)
