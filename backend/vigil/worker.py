"""arq worker settings: `vigil worker` runs the alert deliveries that servers queue on Redis."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq.worker import Function

from vigil.alerts.config import build_channels, redactor, retry_policy
from vigil.alerts.delivery import ALERT_JOB, DeliveryLog, InMemoryDeliveryLog
from vigil.db.alerts import SqlDeliveryLog
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.migrate import upgrade_to_head_async
from vigil.security.urls import mask_url
from vigil.settings import Settings

logger = logging.getLogger("vigil.worker")


async def startup(ctx: dict[str, Any]) -> None:
    """Build the channels once per worker; anything already in `ctx` (tests, the server's wiring) wins."""
    settings: Settings = ctx.get("settings") or Settings()
    ctx.setdefault("channels", build_channels(settings))
    ctx.setdefault("retry_policy", retry_policy(settings))
    ctx.setdefault("redact", redactor(settings))
    if "delivery_log" not in ctx:
        ctx["delivery_log"] = await _sql_delivery_log(ctx, settings)


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
    logger.info("delivery records go to the database at %s", mask_url(settings.resolved_database_url))
    return SqlDeliveryLog(make_session_factory(engine))


async def shutdown(ctx: dict[str, Any]) -> None:
    engine = ctx.pop("db_engine", None)
    if engine is not None:
        await engine.dispose()


class WorkerSettings:
    """`arq vigil.worker.WorkerSettings` works too; `vigil worker` adds the Redis address from settings."""

    functions: ClassVar[list[Function]] = [ALERT_JOB]
    on_startup = startup
    on_shutdown = shutdown
    max_jobs = 20
    job_timeout = 300
    keep_result = 3600
