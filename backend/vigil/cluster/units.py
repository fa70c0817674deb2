"""`RayCameraSupervisor`: cluster mode's camera supervisor, one named, detached Ray actor per enabled camera.

An API node in cluster mode builds no perception pool and runs no unit: it asks Ray for the camera's actor
(`vigil-camera-<id>`, created if missing: several API nodes applying the same camera find the same actor)
and hands it the camera's profile. Ray places each actor on a node with a free `camera_slot`, spreading
them, and restarts it elsewhere when its node dies (`max_restarts=-1`); the actor reloads its camera from
the database (`ray_unit.CameraActor`). Health and incidents come back through Redis (`cluster/shared.py`),
so `publish_health` has nothing to do here. Closing an API node leaves the actors running: they belong
to the cluster, not to the node that made them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from vigil.camera.profile import CameraProfile
from vigil.cluster import ray_env
from vigil.ingest.health import HealthRegistry
from vigil.settings import Settings

log = logging.getLogger(__name__)

ACTOR_PREFIX = "vigil-camera-"
CALL_TIMEOUT_S = 90.0  # an actor starting (its pool loads the models) or restarting on another node


def actor_name(camera_id: int) -> str:
    return f"{ACTOR_PREFIX}{camera_id}"


class RayCameraSupervisor:
    def __init__(self, settings: Settings, health: HealthRegistry) -> None:
        self.settings = settings
        self.health = health
        self._ray: Any = None
        self._actor_class: Any = None
        self._connecting = asyncio.Lock()

    async def _connected(self) -> Any:
        async with self._connecting:
            if self._ray is None:
                settings = self.settings
                await asyncio.to_thread(ray_env.connect, settings.ray_address, settings.node_ip)
                import ray

                from vigil.cluster.ray_unit import CameraActor

                self._actor_class = ray.remote(CameraActor)
                self._ray = ray
        return self._ray

    def _make_actor(self, camera_id: int) -> Any:
        return self._actor_class.options(
            name=actor_name(camera_id),
            namespace=ray_env.NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            max_restarts=-1,
            max_task_retries=-1,
            num_cpus=0,
            resources={"camera_slot": 1},
            scheduling_strategy="SPREAD",
            runtime_env=ray_env.runtime_env(),
        ).remote(camera_id, self.settings)

    async def actor(self, camera_id: int) -> Any | None:
        """The camera's actor if it runs (for tests and the bench: its `node_id`, its `health`)."""
        ray = await self._connected()
        try:
            return await asyncio.to_thread(ray.get_actor, actor_name(camera_id), ray_env.NAMESPACE)
        except ValueError:
            return None

    async def start(self, profiles: list[CameraProfile]) -> None:
        for profile in profiles:
            await self.apply(profile)

    async def apply(self, profile: CameraProfile) -> None:
        """An enabled camera gets its actor (made once, whichever node asks first) and then its profile; a
        disabled one loses its actor, freeing its slot."""
        if not profile.spec.enabled:
            await self.remove(profile.camera_id)
            return
        await self._connected()
        handle = await asyncio.to_thread(self._make_actor, profile.camera_id)
        await asyncio.wait_for(handle.apply.remote(profile), CALL_TIMEOUT_S)

    async def remove(self, camera_id: int) -> None:
        """The camera is gone or switched off: its actor stops its unit and is killed for good."""
        ray = await self._connected()
        handle = await self.actor(camera_id)
        if handle is not None:
            try:
                await asyncio.wait_for(handle.close.remote(), CALL_TIMEOUT_S)
            except Exception:  # it is killed below either way
                log.warning("camera %s: its actor did not close cleanly", camera_id, exc_info=True)
            await asyncio.to_thread(ray.kill, handle, no_restart=True)
        self.health.forget(camera_id)

    def publish_health(self) -> None:
        """Nothing: each actor publishes its camera's health to Redis, and API nodes mirror it."""

    async def close(self) -> None:
        """This node leaves the cluster; the cameras' actors keep running."""
        if self._ray is not None:
            await asyncio.to_thread(self._ray.shutdown)
