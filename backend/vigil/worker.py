"""arq worker settings: `vigil worker` runs the alert deliveries that servers queue on Redis."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq.worker import Function

from vigil.alerts.config import build_channels, redactor, retry_policy
from vigil.alerts.delivery import ALERT_JOB, InMemoryDeliveryLog
from vigil.settings import Settings

logger = logging.getLogger("vigil.worker")


async def startup(ctx: dict[str, Any]) -> None:
    """Build the channels once per worker; anything already in `ctx` (tests, the server's wiring) wins."""
    settings: Settings = ctx.get("settings") or Settings()
    ctx.setdefault("channels", build_channels(settings))
    ctx.setdefault("retry_policy", retry_policy(settings))
    ctx.setdefault("redact", redactor(settings))
    if "delivery_log" not in ctx:
        ctx["delivery_log"] = InMemoryDeliveryLog()
        logger.info("this worker keeps its delivery records in memory")


class WorkerSettings:
    """`arq vigil.worker.WorkerSettings` works too; `vigil worker` adds the Redis address from settings."""

    functions: ClassVar[list[Function]] = [ALERT_JOB]
    on_startup = startup
    max_jobs = 20
    job_timeout = 300
    keep_result = 3600
