"""Holds one `CameraUnit` per camera, applies profiles to them and publishes their health.

`CameraSupervisor` is the face the server uses: `PipelineSupervisor` runs the units in this process; in
cluster mode `vigil.cluster.units.RayCameraSupervisor` runs each as a Ray actor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from vigil.camera.profile import CameraProfile
from vigil.camera.unit import CameraUnit, UnitParts
from vigil.camera.units import CameraUnits
from vigil.ingest.health import HealthRegistry
from vigil.pipeline.camera import CameraPipeline

log = logging.getLogger(__name__)

HEALTH_PERIOD_S = 0.5


class CameraSupervisor(Protocol):
    async def start(self, profiles: list[CameraProfile]) -> None: ...

    async def apply(self, profile: CameraProfile) -> None: ...

    async def remove(self, camera_id: int) -> None: ...

    def publish_health(self) -> None: ...

    async def close(self) -> None: ...


class PipelineSupervisor:
    def __init__(self, parts: UnitParts, health: HealthRegistry, units: CameraUnits | None = None) -> None:
        self.parts = parts
        self.health = health
        self.units = units if units is not None else CameraUnits()
        self._health_task: asyncio.Task[None] | None = None
        self._restarts_counted = 0

    def pipeline(self, camera_id: int) -> CameraPipeline | None:
        return self.units.pipeline(camera_id)

    async def start(self, profiles: list[CameraProfile]) -> None:
        for profile in profiles:
            await self.apply(profile)
        self._health_task = asyncio.create_task(self._publish_health())

    async def apply(self, profile: CameraProfile) -> None:
        """A new camera gets its unit; a known one its new profile (`CameraUnit.apply`)."""
        unit = self.units.get(profile.camera_id)
        if unit is None:
            self.units.add(CameraUnit(profile, self.parts))
        else:
            await unit.apply(profile)
        if not profile.spec.enabled:
            self.health.forget(profile.camera_id)

    async def remove(self, camera_id: int) -> None:
        """The camera is gone: close its unit and forget its WebRTC peer and health."""
        unit = self.units.pop(camera_id)
        if unit is not None:
            await unit.close()
        await self.parts.webrtc.remove(camera_id)
        self.health.forget(camera_id)

    def publish_health(self) -> None:
        metrics, pool = self.parts.metrics, self.parts.pool
        streaming = 0
        for unit in self.units:
            state = unit.health()
            if state is None:
                continue
            self.health.publish(unit.camera_id, state)
            label = str(unit.camera_id)
            metrics.fps_in.labels(label).set(state.fps_in)
            metrics.fps_analysed.labels(label).set(state.fps_analysed)
            streaming += state.state == "streaming"
        metrics.cameras_streaming.set(streaming)
        metrics.pool_in_flight.set(pool.in_flight)
        if pool.restarts > self._restarts_counted:
            metrics.pool_restarts.inc(pool.restarts - self._restarts_counted)
            self._restarts_counted = pool.restarts
        for model in pool.set_aside:
            metrics.models_set_aside.labels(model).set(1)

    async def _publish_health(self) -> None:
        while True:
            self.publish_health()
            await asyncio.sleep(HEALTH_PERIOD_S)

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        for unit in self.units:
            self.units.pop(unit.camera_id)
            await unit.close()
        await asyncio.to_thread(self.parts.pool.shutdown)
