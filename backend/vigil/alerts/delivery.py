"""Delivery: one attempt at a time, each recorded, retried with exponential backoff.

Two runners with one interface (`submit`): `InProcessDelivery` (asyncio tasks in this process; what runs
when `REDIS_URL` is empty) and `ArqDelivery` (an arq job on Redis per delivery, run by `vigil worker`
processes). When `REDIS_URL` is set but Redis cannot be reached, `make_delivery` says so in a warning and
delivers in-process; a delivery whose enqueue fails later (Redis went down) is delivered in-process too,
with a warning. Deliveries held in-process are lost if the process stops before they are done.

Isolation: each delivery is its own task; each channel kind has its own concurrency limit, and every
attempt has a time limit, so a channel that hangs or is down delays only its own deliveries — never
detection, the event loop, or other channels.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from arq import ArqRedis, Retry, create_pool
from arq.connections import RedisSettings
from arq.worker import func
from redis.exceptions import RedisError

from vigil.alerts.channels import Channel, ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute, DeliveryAttempt
from vigil.domain import ChannelKind, DeliveryStatus
from vigil.security.urls import mask_url

logger = logging.getLogger("vigil.alerts")

JOB_NAME = "deliver_alert"
ENQUEUE_TIMEOUT_S = 3.0


class DeliveryLog(Protocol):
    """Where delivery records live (the lead's SQL table in the server; memory in tests)."""

    async def save(self, attempt: DeliveryAttempt) -> None:
        """Insert or replace the record with `attempt.id`."""
        ...

    async def get(self, delivery_id: str) -> DeliveryAttempt | None: ...


class InMemoryDeliveryLog:
    """Records in a dict; `history` keeps every saved state, in order (each attempt is visible)."""

    def __init__(self) -> None:
        self.records: dict[str, DeliveryAttempt] = {}
        self.history: list[DeliveryAttempt] = []

    async def save(self, attempt: DeliveryAttempt) -> None:
        self.records[attempt.id] = attempt
        self.history.append(attempt)

    async def get(self, delivery_id: str) -> DeliveryAttempt | None:
        return self.records.get(delivery_id)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay_s: float = 5.0
    factor: float = 2.0
    max_delay_s: float = 600.0
    attempt_timeout_s: float = 60.0  # a channel's own timeouts come first; this catches a hang

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt: 5, 10, 20, 40... capped."""
        return float(min(self.max_delay_s, self.first_delay_s * self.factor ** max(0, attempts - 1)))


class Redactor:
    """Replaces known secrets (passwords, tokens) wherever an error text might carry them."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def add(self, *secrets: str) -> None:
        """Secrets set later (an administrator's new SMTP password): redacted from then on, old ones too."""
        known = set(self._secrets) | {s for s in secrets if len(s) >= 4}
        self._secrets = sorted(known, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


async def attempt_delivery(
    channels: Mapping[ChannelKind, Channel],
    route: AlertRoute,
    message: AlertMessage,
    record: DeliveryAttempt,
    policy: RetryPolicy,
    log: DeliveryLog,
    redact: Redactor,
) -> DeliveryAttempt:
    """One attempt, recorded in `log`. Never raises (cancellation aside): a failure is a record."""
    channel = channels.get(route.channel)
    number = record.attempts + 1
    try:
        if channel is None:
            raise ChannelNotConfiguredError(f"no {route.channel.value} channel in this process")
        receipt = await asyncio.wait_for(channel.send(message, route, record.id), policy.attempt_timeout_s)
        record = record.succeeded(redact(receipt))
        logger.info(
            "alert %s delivered: incident %d %s via %s (route %d, attempt %d)",
            record.id[:12],
            message.incident_id,
            message.kind.value,
            route.channel.value,
            route.id,
            number,
        )
    except Exception as error:
        if isinstance(error, DeliveryError):
            reason, retryable = error.reason, error.retryable
        elif isinstance(error, TimeoutError):
            reason, retryable = f"no result within {policy.attempt_timeout_s:g} s", True
        else:  # a bug in a channel must not end the runner; it is recorded like any failure
            reason, retryable = f"{type(error).__name__}: {error}", True
        reason = Redactor((route.webhook_secret,))(redact(reason))
        final = not retryable or number >= policy.max_attempts
        record = record.failed(reason, final=final)
        if final:
            logger.error(
                "alert %s failed for good: incident %d via %s (route %d) after %d attempt(s): %s",
                record.id[:12],
                message.incident_id,
                route.channel.value,
                route.id,
                number,
                reason,
            )
        else:
            logger.warning(
                "alert %s attempt %d/%d via %s (route %d) failed: %s; next try in %.3g s",
                record.id[:12],
                number,
                policy.max_attempts,
                route.channel.value,
                route.id,
                reason,
                policy.delay_after(number),
            )
    try:
        await log.save(record)
    except Exception:  # the log (a database) being down must not stop deliveries
        logger.exception("alert %s: could not record the attempt", record.id[:12])
    return record


class InProcessDelivery:
    """Each delivery is an asyncio task that tries, sleeps with backoff and tries again."""

    def __init__(
        self,
        channels: Mapping[ChannelKind, Channel],
        log: DeliveryLog,
        policy: RetryPolicy | None = None,
        *,
        redact: Redactor | None = None,
        per_channel_concurrency: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.channels = channels
        self.log = log
        self.policy = policy or RetryPolicy()
        self.redact = redact or Redactor()
        self._sleep = sleep
        self._limits = {kind: asyncio.Semaphore(per_channel_concurrency) for kind in ChannelKind}
        self._tasks: set[asyncio.Task[DeliveryAttempt]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def submit(self, route: AlertRoute, message: AlertMessage) -> DeliveryAttempt:
        record = DeliveryAttempt.new(route, message)
        await self.log.save(record)
        self.start(route, message, record)
        return record

    def start(self, route: AlertRoute, message: AlertMessage, record: DeliveryAttempt) -> None:
        """Run an already recorded delivery (also the fallback of `ArqDelivery`)."""
        task = asyncio.create_task(self._run(route, message, record), name=f"alert-{record.id[:12]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, route: AlertRoute, message: AlertMessage, record: DeliveryAttempt
    ) -> DeliveryAttempt:
        while True:
            async with self._limits[route.channel]:
                record = await attempt_delivery(
                    self.channels, route, message, record, self.policy, self.log, self.redact
                )
            if record.status is not DeliveryStatus.RETRYING:
                return record
            await self._sleep(self.policy.delay_after(record.attempts))

    async def drain(self, timeout_s: float | None = None) -> None:
        """Wait until every delivery submitted so far is delivered or failed for good."""
        if self._tasks:
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), timeout_s)

    async def aclose(self) -> None:
        """Stop: deliveries still waiting to retry are abandoned, and said to be."""
        if self._tasks:
            logger.warning(
                "stopping with %d alert deliveries unfinished; they are not retried", len(self._tasks)
            )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class ArqDelivery:
    """Each delivery is an arq job on Redis (job id = delivery id); `vigil worker` processes run them."""

    def __init__(self, redis: ArqRedis, log: DeliveryLog, fallback: InProcessDelivery) -> None:
        self.redis = redis
        self.log = log
        self.fallback = fallback

    async def submit(self, route: AlertRoute, message: AlertMessage) -> DeliveryAttempt:
        record = DeliveryAttempt.new(route, message)
        await self.log.save(record)
        try:
            # a Redis that takes connections but does not answer must not hold up the caller (detection);
            # if the job did get queued after all, both copies carry the same delivery id
            await asyncio.wait_for(
                self.redis.enqueue_job(JOB_NAME, route, message, record, _job_id=record.id), ENQUEUE_TIMEOUT_S
            )
        except (RedisError, OSError, TimeoutError) as error:
            logger.warning(
                "alert %s: Redis is unreachable (%s); delivering it in this process instead",
                record.id[:12],
                type(error).__name__,
            )
            self.fallback.start(route, message, record)
        return record

    async def aclose(self) -> None:
        await self.fallback.aclose()
        await self.redis.aclose()


Delivery = InProcessDelivery | ArqDelivery


def redis_settings(url: str, conn_timeout_s: int = 2) -> RedisSettings:
    """Fail fast: one connection attempt, so an unreachable Redis is reported in seconds."""
    return replace(RedisSettings.from_dsn(url), conn_timeout=conn_timeout_s, conn_retries=0)


async def make_delivery(
    redis_url: str,
    channels: Mapping[ChannelKind, Channel],
    log: DeliveryLog,
    policy: RetryPolicy | None = None,
    redact: Redactor | None = None,
) -> Delivery:
    """Jobs on Redis when `redis_url` is set and reachable; otherwise in this process (said in the log)."""
    in_process = InProcessDelivery(channels, log, policy, redact=redact)
    if not redis_url:
        logger.info("alerts are delivered in-process (REDIS_URL is not set)")
        return in_process
    try:
        pool = await create_pool(redis_settings(redis_url))
        await pool.ping()
    except (RedisError, OSError) as error:
        logger.warning(
            "REDIS_URL is set but Redis at %s is unreachable (%s): alerts are delivered in-process by "
            "this server until it restarts with Redis reachable; `vigil worker` processes get no alert jobs",
            mask_url(redis_url),
            type(error).__name__,
        )
        return in_process
    logger.info("alerts are delivered as arq jobs on Redis at %s (run `vigil worker`)", mask_url(redis_url))
    return ArqDelivery(pool, log, in_process)


async def deliver_alert_job(
    ctx: dict[str, Any], route: AlertRoute, message: AlertMessage, record: DeliveryAttempt
) -> str:
    """The arq job: one attempt; a retryable failure asks arq to run the job again after the backoff.

    Arguments travel pickled; arq logs their repr, which leaves out secrets and snapshot bytes.
    """
    log: DeliveryLog = ctx["delivery_log"]
    policy: RetryPolicy = ctx["retry_policy"]
    done = await _already_done(log, record.id)
    if done is not None:  # a worker killed after recording its attempt, before arq heard: not sent twice
        logger.info("alert %s was already %s: not sent again", record.id[:12], done.value)
        return done.value
    # arq counts the tries of a job, also across worker restarts: that count is the attempt number
    record = replace(record, attempts=int(ctx.get("job_try", 1)) - 1)
    record = await attempt_delivery(ctx["channels"], route, message, record, policy, log, ctx["redact"])
    if record.status is DeliveryStatus.RETRYING:
        raise Retry(defer=policy.delay_after(record.attempts))
    return record.status.value


async def _already_done(log: DeliveryLog, delivery_id: str) -> DeliveryStatus | None:
    try:
        found = await log.get(delivery_id)
    except Exception:  # the log unreachable: attempting is better than dropping the alert
        logger.warning("alert %s: could not read its record; attempting it", delivery_id[:12])
        return None
    if found is not None and found.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return found.status
    return None


# arq's own try limit only guards against a loop; RetryPolicy.max_attempts decides when to give up
ALERT_JOB = func(deliver_alert_job, name=JOB_NAME, max_tries=1000)
