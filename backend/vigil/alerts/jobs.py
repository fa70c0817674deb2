"""The alert jobs' arq worker settings: `vigil worker` runs the deliveries that servers queue on Redis."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq.worker import Function

from vigil.alerts.channels.webpush import WebPushConfig, vapid_key
from vigil.alerts.config import redactor, retry_policy, vapid_subject
from vigil.alerts.delivery import ALERT_JOB, DeliveryLog, InMemoryDeliveryLog
from vigil.alerts.live import AlertChannels
from vigil.db import push as push_repo
from vigil.db.alerts import SqlDeliveryLog
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.migrate import upgrade_to_head_async
from vigil.security.urls import mask_url
from vigil.settings import Settings

logger = logging.getLogger("vigil.worker")


async def startup(ctx: dict[str, Any]) -> None:
    """Build the channels once per worker; anything already in `ctx` (tests, the server's wiring) wins."""
    settings: Settings = ctx.get("settings") or Settings()
    ctx.setdefault("retry_policy", retry_policy(settings))
    if "delivery_log" not in ctx:
        ctx["delivery_log"] = await _sql_delivery_log(ctx, settings)
    if "channels" not in ctx:
        # the server's channels: the environment's settings with those stored from the dashboard, and
        # Web Push with the server's VAPID key (same data folder) and the subscriptions in the database
        factory = ctx.get("db_sessions")
        push = None
        if factory is not None:
            directory = push_repo.PushDirectory(factory)
            push = WebPushConfig(
                key=vapid_key(settings.data_dir),
                subject=vapid_subject(settings),
                subscriptions_of=directory.subscriptions_of,
                forget=directory.forget,
                outbound=settings.push_outbound(),
            )
        configured = AlertChannels(settings, ctx.get("redact") or redactor(settings), push)
        ctx["alert_channels"] = configured
        ctx["channels"] = configured.channels
        ctx["redact"] = configured.redact
        await refresh_channels(ctx)
    ctx.setdefault("redact", redactor(settings))


async def refresh_channels(ctx: dict[str, Any]) -> None:
    """Before each job: the settings an administrator stored since (one row), so no restart is needed."""
    configured: AlertChannels | None = ctx.get("alert_channels")
    factory = ctx.get("db_sessions")
    if configured is None or factory is None:
        return
    try:
        async with factory() as db:
            row = await push_repo.stored_settings(db)
    except Exception as error:  # the database away: keep the channels as they are
        logger.warning("could not read the stored alert settings (%s)", type(error).__name__)
        return
    stored = row.values if row else {}
    if stored != configured.stored:
        configured.apply(stored)


async def _sql_delivery_log(ctx: dict[str, Any], settings: Settings) -> DeliveryLog:
    """The server's `alert_delivery` table (the same `VIGIL_DATABASE_URL`); memory if it is unreachable."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await upgrade_to_head_async(settings.resolved_database_url)
        engine = make_engine(settings.resolved_database_url)
    except Exception as error:
        logger.warning(
            "the database at %s is unreachable (%s): this worker keeps its delivery records in memory",
            mask_url(settings.resolved_database_url),
            type(error).__name__,
        )
        return InMemoryDeliveryLog()
    ctx["db_engine"] = engine
    ctx["db_sessions"] = make_session_factory(engine)
    logger.info("delivery records go to the database at %s", mask_url(settings.resolved_database_url))
    return SqlDeliveryLog(ctx["db_sessions"])


async def shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.pop("db_engine", None)
    if engine is not None:
        await engine.dispose()


class WorkerSettings:
    """`arq vigil.alerts.jobs.WorkerSettings` works too; `vigil worker` adds the Redis address from
    settings."""

    functions: ClassVar[list[Function]] = [ALERT_JOB]
    on_startup = startup
    on_job_start = refresh_channels
    on_shutdown = shutdown
    max_jobs = 20
    job_timeout = 300
    keep_result = 3600
