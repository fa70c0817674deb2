"""The server's resources as one typed object, `app.state.runtime`; routes receive it as `RuntimeDep`.

Two kinds of parts. Those made with the app (`create_app`) exist before it starts, because the socket.io
server wraps the app and its token checks run from the first request. The others are made by the lifespan,
in the order written there, each registering its closer as it is made: `aclose()` runs those in reverse,
so a part is closed before anything it was built on (and a start that fails half way closes what it made).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:  # the parts import the API modules that read the runtime
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from vigil.alerts.dispatch import AlertDispatcher
    from vigil.alerts.live import AlertChannels
    from vigil.api.live import LiveHub
    from vigil.api.livefeed import LiveFeed
    from vigil.api.routes.auth import LoginLimits
    from vigil.api.users import RevocableJWTStrategy
    from vigil.camera.supervisor import CameraSupervisor
    from vigil.camera.units import CameraUnits
    from vigil.cluster.shared import ControlChannel
    from vigil.incidents.recorder import IncidentRecorder
    from vigil.incidents.retention import RetentionRunner
    from vigil.ingest.health import HealthRegistry
    from vigil.ingest.probe import Prober
    from vigil.ingest.webrtc import WebRtcRegistry
    from vigil.pipeline.metrics import PipelineMetrics
    from vigil.security.ratelimit import SlidingWindowLimiter
    from vigil.settings import Settings


@dataclass(eq=False)
class Runtime:
    # made with the app
    settings: Settings
    jwt_strategy: RevocableJWTStrategy
    login_limits: LoginLimits
    test_alert_limits: SlidingWindowLimiter
    health: HealthRegistry
    webrtc: WebRtcRegistry
    hub: LiveHub
    metrics: PipelineMetrics
    units: CameraUnits  # one unit per camera; where fusion, incident media and the live view read profiles
    livefeed: LiveFeed
    # made by the lifespan, in this order
    engine: AsyncEngine = field(init=False)
    session_factory: async_sessionmaker[AsyncSession] = field(init=False)
    alert_channels: AlertChannels = field(init=False)
    alerts: AlertDispatcher = field(init=False)
    incidents: IncidentRecorder = field(init=False)
    replay_lock: asyncio.Lock = field(init=False)
    prober: Prober = field(init=False)
    retention: RetentionRunner = field(init=False)
    pipelines: CameraSupervisor = field(init=False)  # in this process, or Ray actors (cluster mode)
    control: ControlChannel | None = field(init=False, default=None)  # with VIGIL_LIVE_REDIS: other nodes
    _closers: AsyncExitStack = field(init=False, default_factory=AsyncExitStack, repr=False)

    def on_close(self, close: Callable[[], Awaitable[object]]) -> None:
        """Run `close` at shutdown, before the closers registered earlier."""
        self._closers.push_async_callback(close)

    async def aclose(self) -> None:
        """Close every part registered with `on_close`, the last made first; one that fails does not keep
        the others open (its error is raised once all have run)."""
        await self._closers.aclose()


def runtime(request: Request) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found
