"""Camera units for tests that feed a camera by hand: switched off (no source, no analysis), holding the
profile that fusion, incident media and the live view read, changed through `CameraUnit.apply`."""

from __future__ import annotations

import dataclasses
from typing import Any

from vigil.camera.profile import CameraProfile, CameraSpec
from vigil.camera.unit import CameraUnit, UnitParts
from vigil.camera.units import CameraUnits
from vigil.domain import Observation, SourceKind
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool


def _never_called(*_args: object) -> Observation:
    raise AssertionError("a switched-off camera analyses nothing")


async def _dropped(_observation: Observation) -> None:
    return None


def idle_parts() -> UnitParts:
    return UnitParts(
        AnalysisPool(1, lambda: None, _never_called), PipelineMetrics(), WebRtcRegistry(), _dropped
    )


def idle_unit(units: CameraUnits, camera_id: int, **profile: Any) -> CameraUnit:
    """A switched-off unit of `camera_id` with these profile fields (zones, masks, privacy), registered."""
    spec = CameraSpec(camera_id, SourceKind.FILE, "camera.mp4", 5.0, enabled=False)
    unit = CameraUnit(CameraProfile(spec, **profile), idle_parts())
    units.add(unit)
    return unit


async def change(unit: CameraUnit, **profile: Any) -> None:
    """`unit.apply` with these profile fields changed."""
    await unit.apply(dataclasses.replace(unit.profile, **profile))
