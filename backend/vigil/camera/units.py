"""`CameraUnits`: the server's units by camera, where fusion, the incident media and the live view look a
camera's profile up (its zones, masks, privacy) and the media its buffers. Made before any of them, so
none needs binding late; the supervisor adds and removes the units."""

from __future__ import annotations

from collections.abc import Iterator

from vigil.camera.profile import CameraProfile, Polygon
from vigil.camera.unit import CameraUnit
from vigil.pipeline.camera import CameraPipeline
from vigil.tracking.zones import Zone


class CameraUnits:
    def __init__(self) -> None:
        self._units: dict[int, CameraUnit] = {}

    def add(self, unit: CameraUnit) -> None:
        self._units[unit.camera_id] = unit

    def pop(self, camera_id: int) -> CameraUnit | None:
        return self._units.pop(camera_id, None)

    def get(self, camera_id: int) -> CameraUnit | None:
        return self._units.get(camera_id)

    def __iter__(self) -> Iterator[CameraUnit]:
        return iter(list(self._units.values()))

    def __len__(self) -> int:
        return len(self._units)

    def profile(self, camera_id: int) -> CameraProfile | None:
        unit = self._units.get(camera_id)
        return None if unit is None else unit.profile

    def zones(self, camera_id: int) -> tuple[Zone, ...]:
        profile = self.profile(camera_id)
        return () if profile is None else profile.zones

    def masks(self, camera_id: int) -> tuple[Polygon, ...]:
        profile = self.profile(camera_id)
        return () if profile is None else profile.masks

    def is_private(self, camera_id: int) -> bool:
        profile = self.profile(camera_id)
        return profile is not None and profile.privacy

    def pipeline(self, camera_id: int) -> CameraPipeline | None:
        unit = self._units.get(camera_id)
        return None if unit is None else unit.pipeline
