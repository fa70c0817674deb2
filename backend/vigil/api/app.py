"""`create_app()`: the FastAPI app, its lifespan (which owns every resource) and the socket.io wrapper."""

from __future__ import annotations

import asyncio
import functools
import logging
import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import socketio
from fastapi import APIRouter, Depends, FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vigil import __version__
from vigil.alerts.channels.webpush import WebPushConfig, vapid_key
from vigil.alerts.config import incident_url, redactor, retry_policy, vapid_subject
from vigil.alerts.delivery import Delivery, make_delivery
from vigil.alerts.dispatch import AlertDispatcher
from vigil.alerts.live import AlertChannels
from vigil.alerts.routing import AlertRouter
from vigil.api import errors
from vigil.api.bodylimit import BodyLimitMiddleware, route_limits
from vigil.api.headers import SecurityHeadersMiddleware, add_docs
from vigil.api.live import LiveHub
from vigil.api.livefeed import LiveFeed
from vigil.api.pipelines import (
    activity_service,
    build_supervisor,
    ensure_demo_camera,
    on_control,
    start_cameras,
)
from vigil.api.routes import (
    activity,
    alert_settings,
    alerts,
    artifacts,
    auth,
    cameras,
    health,
    incidents,
    metrics,
    rules,
    users,
    webrtc,
)
from vigil.api.routes.auth import LoginLimits
from vigil.api.runtime import Runtime
from vigil.api.users import current_active_user, jwt_strategy
from vigil.camera.units import CameraUnits
from vigil.cluster.shared import ControlChannel, HealthSharing, WatchSharing
from vigil.db import alerts as alert_repo
from vigil.db import rules as rules_repo
from vigil.db.alerts import SqlDeliveryLog
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.migrate import upgrade_to_head_async
from vigil.db.push import PushDirectory
from vigil.fusion import RuleError, RuleSet, load_default_rules, load_rules
from vigil.incidents.alerting import IncidentAlerts
from vigil.incidents.artifacts import ClipTiming, IncidentMedia
from vigil.incidents.recorder import IncidentRecorder
from vigil.incidents.recovery import close_interrupted
from vigil.incidents.retention import RetentionLimits, RetentionRunner
from vigil.ingest.health import HealthRegistry
from vigil.ingest.probe import Prober
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.pipeline.metrics import PipelineMetrics
from vigil.security.paths import UnsafePathError, resolve_inside
from vigil.security.ratelimit import SlidingWindowLimiter
from vigil.settings import Settings

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


async def running_rules(session_factory: async_sessionmaker[AsyncSession]) -> RuleSet:
    """The newest saved rules, else the defaults; saved rules that no longer load fall back, loudly."""
    async with session_factory() as db:
        saved = await rules_repo.latest(db)
    if saved is None:
        return load_default_rules()
    try:
        return load_rules(saved.text)
    except RuleError as error:
        log.error("saved rules (version %s) do not load (%s): running the defaults", saved.version, error)
        return load_default_rules()


def _api_router() -> APIRouter:
    """Public routes are the listed exceptions; everything else is built behind the auth dependency."""
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health.router)
    api.include_router(auth.router)
    protected = APIRouter(dependencies=[Depends(current_active_user)])
    for module in (users, cameras, incidents, artifacts, webrtc, alerts, rules, activity):
        protected.include_router(module.router)
    protected.include_router(alerts.deliveries_router)
    protected.include_router(alert_settings.settings_router)
    protected.include_router(alert_settings.channels_router)
    protected.include_router(alert_settings.push_router)
    protected.include_router(rules.replay_router)
    api.include_router(protected)
    return api


def _mount_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve the built dashboard on `/`, with the SPA's index for client-side routes."""
    index = dist / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        async def dashboard_missing() -> HTMLResponse:
            return HTMLResponse(
                "<!doctype html><title>Vigil</title><h1>Vigil API is running</h1>"
                f"<p>The dashboard is not built (no {index}). <code>make run</code> builds it; the API "
                f'is documented at <a href="{API_PREFIX}/docs">{API_PREFIX}/docs</a>.</p>'
            )

        return

    mimetypes.add_type("application/manifest+json", ".webmanifest")  # the PWA manifest
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def dashboard(path: str) -> Response:
        if path.startswith(("api/", "socket.io")):
            raise HTTPException(404, detail="NOT_FOUND")
        try:
            candidate = resolve_inside(dist, path) if path else index
        except UnsafePathError:
            candidate = index
        return FileResponse(candidate if candidate.is_file() else index)


async def alert_delivery(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[Delivery, AlertDispatcher, AlertChannels]:
    """Deliveries recorded in the database; routes are loaded per incident update (`IncidentAlerts`).
    The channels are built from the environment and the settings stored from the dashboard, and rebuilt
    when an administrator changes those (`AlertChannels.apply`)."""
    async with session_factory() as db:
        route_secrets = await alert_repo.webhook_secrets(db)
        stored = await alert_settings.load_stored(db)
    directory = PushDirectory(session_factory)
    push = WebPushConfig(
        key=await asyncio.to_thread(vapid_key, settings.data_dir),
        subject=vapid_subject(settings),
        subscriptions_of=directory.subscriptions_of,
        forget=directory.forget,
        outbound=settings.push_outbound(),
    )
    channels = AlertChannels(settings, redactor(settings, *route_secrets), push)
    channels.apply(stored)
    delivery = await make_delivery(
        settings.redis_url,
        channels.channels,
        SqlDeliveryLog(session_factory),
        retry_policy(settings),
        channels.redact,
    )
    return delivery, AlertDispatcher(AlertRouter(), delivery), channels


async def _start(runtime: Runtime) -> None:
    """Make the lifespan's parts, in this order: the database (migrated first, then incidents a killed
    server left open are closed), alert delivery, the incident recorder, the media retention, the
    pipelines and their media, then the stored cameras and the demo camera. Each part registers its closer
    as it is made, so `runtime.aclose()` stops the cameras first and disposes of the engine last."""
    settings = runtime.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    await upgrade_to_head_async(settings.resolved_database_url)
    runtime.engine = make_engine(settings.resolved_database_url)
    runtime.on_close(runtime.engine.dispose)
    runtime.on_close(runtime.hub.close)
    runtime.on_close(runtime.webrtc.close)
    runtime.session_factory = make_session_factory(runtime.engine)
    if not settings.ray_address:  # in cluster mode each camera's actor closes its own when it starts
        await close_interrupted(runtime.session_factory)  # left open by a server that was killed
    delivery, runtime.alerts, runtime.alert_channels = await alert_delivery(settings, runtime.session_factory)
    runtime.on_close(delivery.aclose)
    runtime.retention = RetentionRunner(
        settings.media_dir,
        runtime.session_factory,
        RetentionLimits(
            settings.retention_days or None,
            settings.retention_gb_per_camera or None,
            settings.min_free_gb,
        ),
    )
    runtime.retention.start()
    runtime.on_close(runtime.retention.close)
    units = runtime.units
    recorder = IncidentRecorder(
        runtime.session_factory,
        runtime.hub.emit_incident,
        await running_rules(runtime.session_factory),
        settings.tzinfo(),
        alerts=IncidentAlerts(
            runtime.session_factory, runtime.alerts, functools.partial(incident_url, settings)
        ),
        zones_of=units.zones,
        activity=activity_service(runtime.session_factory, settings, units.zones),
    )
    recorder.media = IncidentMedia(
        settings.media_dir,
        runtime.session_factory,
        units.pipeline,
        recorder.announce_artifact,
        ClipTiming(settings.pre_roll_s, settings.post_roll_s),
        masks_of=units.masks,
        is_private_of=units.is_private,
        make_room=runtime.retention.make_room,
    )
    runtime.incidents = recorder
    runtime.replay_lock = asyncio.Lock()
    runtime.prober = Prober()
    recorder.start()
    runtime.on_close(recorder.close)
    runtime.pipelines = build_supervisor(runtime)
    runtime.on_close(runtime.pipelines.close)
    if settings.live_redis:
        await _share_through_redis(runtime)
    await start_cameras(runtime)
    await ensure_demo_camera(runtime)
    log.info("Vigil %s ready, data in %s", __version__, settings.data_dir)


async def _share_through_redis(runtime: Runtime) -> None:
    """Several API nodes: camera health mirrored both ways, and control messages between the nodes."""
    settings = runtime.settings
    redis = Redis.from_url(settings.redis_url)
    runtime.on_close(redis.aclose)

    def running() -> set[int]:
        if not settings.run_cameras:
            return set()
        return {unit.camera_id for unit in runtime.units if unit.profile.spec.enabled}

    sharing = HealthSharing(redis, runtime.health, running)
    sharing.start()
    runtime.on_close(sharing.close)
    watching = WatchSharing(redis, runtime.hub.watched_cameras)
    watching.start()
    runtime.on_close(watching.close)
    runtime.livefeed.watched_elsewhere = watching.watched
    control = ControlChannel(redis, functools.partial(on_control, runtime))
    await control.start()
    runtime.on_close(control.close)
    runtime.control = control
    runtime.hub.tell_others = control.publish


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: Runtime = app.state.runtime
        try:
            await _start(runtime)
            yield
        finally:
            await runtime.aclose()

    app = FastAPI(
        title="Vigil",
        version=__version__,
        description='Multi-modal surveillance and incident detection. Errors are `{"detail": ...}`.',
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # added below with its own Content-Security-Policy
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    manager = socketio.AsyncRedisManager(settings.redis_url) if settings.live_redis else None
    hub = LiveHub(
        settings, lambda: app.state.runtime.session_factory, cors_origins=origins, client_manager=manager
    )
    units = CameraUnits()
    app.state.runtime = Runtime(
        settings=settings,
        jwt_strategy=jwt_strategy(settings),
        login_limits=LoginLimits(settings),
        test_alert_limits=SlidingWindowLimiter(alerts.TEST_ALERTS_PER_MINUTE, 60.0),
        health=HealthRegistry(),
        webrtc=WebRtcRegistry(),
        hub=hub,
        metrics=PipelineMetrics(),
        units=units,
        livefeed=LiveFeed(hub.sio, masks_of=units.masks),
    )
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["*"],
            allow_headers=["*"],
            allow_credentials=False,
        )
    app.include_router(_api_router())
    app.include_router(metrics.router)
    add_docs(app, f"{API_PREFIX}/docs", f"{API_PREFIX}/openapi.json")
    _mount_dashboard(app, settings.frontend_dist)
    errors.install(app)
    app.add_middleware(
        BodyLimitMiddleware, default_bytes=settings.max_body_bytes, routes=lambda: route_limits(app.openapi())
    )
    app.add_middleware(SecurityHeadersMiddleware)  # the outermost: every answer gets the headers
    return app


def with_sockets(app: FastAPI) -> ASGIApp:
    """socket.io on `/socket.io`, everything else (lifespan included) to the FastAPI app; in front of both,
    `X-Forwarded-For`/`-Proto` believed from `VIGIL_TRUSTED_PROXIES` only (uvicorn's own proxy handling,
    which trusts 127.0.0.1 by default, is off in `vigil serve`)."""
    runtime: Runtime = app.state.runtime
    asgi: ASGIApp = socketio.ASGIApp(runtime.hub.sio, other_asgi_app=app, socketio_path="socket.io")
    trusted = runtime.settings.trusted_proxy_networks
    if trusted:
        asgi = ProxyHeadersMiddleware(asgi, trusted_hosts=trusted)  # type: ignore[arg-type,assignment]
    return asgi


def create_asgi_app(settings: Settings | None = None) -> ASGIApp:
    """What uvicorn serves."""
    return with_sockets(create_app(settings))
