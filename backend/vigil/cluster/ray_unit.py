"""One camera's whole chain inside a Ray actor (cluster mode).

`CameraActor` is what Ray places on a node with a free `camera_slot` and restarts on another when its node
dies. Its constructor starts an asyncio loop in a thread of its own and builds a `CameraHost` there: the
camera's profile read from the shared database, its `CameraUnit` with its perception in a thread of the
actor (`InActorAnalysis`) or in the cluster's shared perception actors (`ray_perception.RemoteAnalysis`),
an `IncidentRecorder` (fusion, the activity baseline, incident media, alerts queued through Redis) that
stores incidents in the shared database and emits them to the camera's socket.io room through a
write-only Redis manager, and its health published to Redis for every API node to mirror.

So a restarted actor needs nothing but its camera id and the settings: it reloads the camera from the
database, closes the incidents its previous life left open (their fusion state died with it), and
streams again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import socketio
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from vigil.alerts.config import incident_url
from vigil.api.app import alert_delivery, running_rules
from vigil.api.live import camera_room
from vigil.api.livefeed import LiveFeed
from vigil.api.pipelines import activity_service, perception_config, profile_of, unit_parts
from vigil.camera.profile import CameraProfile
from vigil.camera.unit import CameraUnit
from vigil.camera.units import CameraUnits
from vigil.cluster.ray_perception import RemoteAnalysis
from vigil.cluster.shared import WatchSharing, publish_health
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.tables import Camera
from vigil.domain import Observation
from vigil.incidents.alerting import IncidentAlerts
from vigil.incidents.artifacts import ClipTiming, IncidentMedia
from vigil.incidents.recorder import IncidentRecorder
from vigil.incidents.recovery import close_interrupted
from vigil.ingest.health import SourceHealth
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.perception.worker import analyse_audio, analyse_frame, init_worker, transcribe_speech
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool, SlotKey
from vigil.settings import Settings

log = logging.getLogger(__name__)

HEALTH_PERIOD_S = 0.5
CALL_TIMEOUT_S = 60.0
T = TypeVar("T")


class InActorAnalysis(AnalysisPool):
    """The actor's perception in a thread of its own process rather than in a worker process: a crash in
    a model runtime ends the actor, and Ray restarts it (the isolation the local pool's processes give a
    single server). It saves the second process per camera, its imports and its memory, and the models
    start loading as soon as the actor starts (measured: docs/performance.md, "Cluster mode")."""

    def __init__(self, settings: Settings) -> None:
        perception = perception_config(settings)
        super().__init__(
            1,
            init_worker,
            analyse_frame,
            analyse_audio=analyse_audio if perception.sound is not None else None,
            transcribe=transcribe_speech if perception.speech is not None else None,
            shared_memory=False,
        )
        self._thread = ThreadPoolExecutor(1, "perception", initializer=init_worker, initargs=(perception,))
        self._thread.submit(int)  # start loading the models now, while the rest of the actor starts

    async def _run(
        self, slot: SlotKey, work: Callable[..., Observation], args: tuple[Any, ...]
    ) -> Observation:
        if slot not in self._in_flight:
            raise RuntimeError(f"{slot}: analysis without try_acquire")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)
        finally:
            self._in_flight.discard(slot)

    def shutdown(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)


class CameraHost:
    """A camera's unit and everything around it, in the actor's own event loop."""

    def __init__(self, camera_id: int, settings: Settings) -> None:
        self.camera_id = camera_id
        self.settings = settings
        self.units = CameraUnits()
        self.engine: AsyncEngine = make_engine(settings.resolved_database_url)
        self.session_factory = make_session_factory(self.engine)
        self.redis = Redis.from_url(settings.redis_url)
        self.live = socketio.AsyncRedisManager(settings.redis_url, write_only=True)
        self.recorder: IncidentRecorder | None = None
        self.unit: CameraUnit | None = None
        self._closers: contextlib.AsyncExitStack = contextlib.AsyncExitStack()
        self._health_task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        settings, session_factory = self.settings, self.session_factory
        # its own models (they load while the rest starts), or the cluster's shared perception actors
        self.analysis: AnalysisPool = (
            RemoteAnalysis(settings) if settings.ray_perception_actors else InActorAnalysis(settings)
        )
        self._closers.push_async_callback(self.engine.dispose)
        self._closers.push_async_callback(self.redis.aclose)
        await close_interrupted(session_factory, self.camera_id)
        delivery, dispatcher, _channels = await alert_delivery(settings, session_factory)
        self._closers.push_async_callback(delivery.aclose)
        units = self.units
        recorder = IncidentRecorder(
            session_factory,
            self._broadcast,
            await running_rules(session_factory),
            settings.tzinfo(),
            alerts=IncidentAlerts(session_factory, dispatcher, functools.partial(incident_url, settings)),
            zones_of=units.zones,
            activity=activity_service(session_factory, settings, units.zones),
        )
        recorder.media = IncidentMedia(
            settings.media_dir,
            session_factory,
            units.pipeline,
            recorder.announce_artifact,
            ClipTiming(settings.pre_roll_s, settings.post_roll_s),
            masks_of=units.masks,
            is_private_of=units.is_private,
        )
        recorder.start()
        self._closers.push_async_callback(recorder.close)
        self.recorder = recorder
        watching = WatchSharing(self.redis)  # frames only for cameras a dashboard on some node watches
        watching.start()
        self._closers.push_async_callback(watching.close)
        feed = LiveFeed(self.live, masks_of=units.masks, watched_elsewhere=watching.watched)

        async def observed(observation: Observation) -> None:
            feed.observe(observation)
            await recorder.observe(observation)

        shared = unit_parts(settings, 1, PipelineMetrics(), WebRtcRegistry(), observed, feed.on_frame)
        self.parts = dataclasses.replace(shared, pool=self.analysis)
        self._closers.callback(self.parts.pool.shutdown)
        await self.reload()
        self._health_task = asyncio.create_task(self._publish_health())

    async def _broadcast(self, camera_id: int, event: str, payload: dict[str, Any]) -> None:
        """As `LiveHub.emit_incident`, through Redis to every API node's connections in the camera's room."""
        await self.live.emit("incident", {"event": event, **payload}, room=camera_room(camera_id))

    async def reload(self) -> None:
        """The camera as stored now (at start, or told it changed): applied, or stopped when it is gone."""
        async with self.session_factory() as db:
            camera = await db.get(Camera, self.camera_id)
        if camera is None:
            await self._stop_unit()
        else:
            await self.apply(profile_of(camera))

    async def apply(self, profile: CameraProfile) -> None:
        if self.unit is None:
            self.unit = CameraUnit(profile, self.parts)
            self.units.add(self.unit)
        else:
            await self.unit.apply(profile)

    def health(self) -> SourceHealth | None:
        return None if self.unit is None else self.unit.health()

    async def _publish_health(self) -> None:
        while True:
            state = self.health()
            if state is not None:
                try:
                    await publish_health(self.redis, self.camera_id, state)
                except Exception:  # Redis restarting: the API nodes show the camera pending meanwhile
                    log.warning("camera %s: health not published", self.camera_id, exc_info=True)
            await asyncio.sleep(HEALTH_PERIOD_S)

    async def _stop_unit(self) -> None:
        unit, self.unit = self.unit, None
        if unit is not None:
            self.units.pop(unit.camera_id)
            await unit.close()

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
        await self._stop_unit()
        await self._closers.aclose()


class CameraActor:
    """The Ray actor (made remote by `vigil.cluster.units`): calls from the API nodes cross into the
    host's event loop, which runs in its own thread so the camera streams between calls."""

    def __init__(self, camera_id: int, settings: Settings) -> None:
        logging.basicConfig(level=settings.log_level.upper())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"camera-{camera_id}", daemon=True
        )
        self._thread.start()
        self._host = CameraHost(camera_id, settings)
        self._call(self._host.open())

    def _call(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(CALL_TIMEOUT_S)

    def apply(self, profile: CameraProfile) -> None:
        self._call(self._host.apply(profile))

    def reload(self) -> None:
        self._call(self._host.reload())

    def health(self) -> SourceHealth | None:
        return self._host.health()

    def node_id(self) -> str:
        """The Ray node this actor runs on (tests and the bench ask)."""
        import ray

        return str(ray.get_runtime_context().get_node_id())

    def close(self) -> None:
        """Before the actor is killed on purpose (camera deleted or disabled): disconnect, stop the pool."""
        self._call(self._host.close())
