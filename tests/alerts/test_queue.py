"""Delivery as arq jobs on a real redis-server: run by a worker (in the test, and as `vigil worker`);
Redis unreachable at start or later: delivered in-process, and the log says so."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import pytest
from arq.jobs import Job, JobStatus
from arq.worker import Worker

from tests.alerts.support import (
    LOOPBACK,
    LOOPBACK_WEBHOOKS,
    Receiver,
    free_port,
    http_server,
    redis_server,
    update,
    wait_until,
)
from vigil.alerts import (
    AlertMessage,
    AlertRoute,
    ArqDelivery,
    InMemoryDeliveryLog,
    InProcessDelivery,
    Redactor,
    RetryPolicy,
    make_delivery,
)
from vigil.alerts.channels.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    WebhookConfig,
    verify_signature,
)
from vigil.alerts.delivery import redis_settings
from vigil.alerts.jobs import WorkerSettings
from vigil.cli import main as vigil_main
from vigil.domain import ChannelKind, DeliveryStatus, UpdateKind

pytestmark = pytest.mark.slow

SECRET = "queue-test-secret-77"
POLICY = RetryPolicy(max_attempts=4, first_delay_s=0.1, max_delay_s=0.5)


def message(incident_id: int = 21) -> AlertMessage:
    return AlertMessage.from_update(
        update(UpdateKind.OPENED, incident_id=incident_id),
        camera_name="Gate",
        incident_url=f"http://vigil.example/incidents/{incident_id}",
        incident_id=incident_id,
    )


def route(url: str) -> AlertRoute:
    return AlertRoute(id=8, channel=ChannelKind.WEBHOOK, target=f"{url}/hook", webhook_secret=SECRET)


async def wait_for_job(job: Job, status: JobStatus, timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (now := await job.status()) is not status:
        assert asyncio.get_running_loop().time() < deadline, f"job {job.job_id} is {now}, not {status}"
        await asyncio.sleep(0.05)


def channels() -> dict[ChannelKind, WebhookChannel]:
    return {ChannelKind.WEBHOOK: WebhookChannel(WebhookConfig(timeout_s=5, outbound=LOOPBACK_WEBHOOKS))}


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")  # inside arq's Worker.close
async def test_a_queued_delivery_is_run_and_retried_by_a_worker(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vigil.alerts")
    receiver = Receiver(statuses=[503])  # the first attempt fails: arq runs the job again after the backoff
    log = InMemoryDeliveryLog()
    with redis_server() as port:
        redis_url = f"redis://127.0.0.1:{port}/0"
        async with http_server(receiver.app()) as url:
            delivery = await make_delivery(redis_url, channels(), log, POLICY)
            assert isinstance(delivery, ArqDelivery)
            assert "delivered as arq jobs on Redis" in caplog.text
            record = await delivery.submit(route(url), message())
            job = Job(record.id, delivery.redis)
            await wait_for_job(job, JobStatus.queued)
            assert receiver.requests == []  # queued, not sent by this process
            assert log.records[record.id].status is DeliveryStatus.PENDING

            worker = Worker(
                functions=WorkerSettings.functions,
                on_startup=WorkerSettings.on_startup,
                redis_settings=redis_settings(redis_url),
                burst=True,
                poll_delay=0.05,
                handle_signals=False,
                ctx={
                    "channels": channels(),
                    "delivery_log": log,
                    "retry_policy": POLICY,
                    "redact": Redactor(),
                },
            )
            try:
                await asyncio.wait_for(worker.main(), 30)
            finally:
                await worker.close()
            await delivery.aclose()

    final = log.records[record.id]
    assert final.status is DeliveryStatus.DELIVERED
    assert final.attempts == 2
    retrying = [h for h in log.history if h.id == record.id and h.status is DeliveryStatus.RETRYING]
    assert [h.last_error for h in retrying] == ["webhook: HTTP 503 Service Unavailable"]
    assert len(receiver.requests) == 2
    for body, headers in receiver.requests:
        assert headers[DELIVERY_HEADER] == record.id
        assert verify_signature(SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
    assert SECRET not in caplog.text


async def test_vigil_worker_process_runs_the_jobs(tmp_path: Path) -> None:
    receiver = Receiver()
    with redis_server() as port:
        redis_url = f"redis://127.0.0.1:{port}/0"
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "VIGIL_ENV": "test",
            "VIGIL_DATA_DIR": str(tmp_path),
            "VIGIL_WEBHOOK_SECRET": "worker-default-secret",
            "VIGIL_OUTBOUND_ALLOW_WEBHOOKS": LOOPBACK,
        }
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "vigil.cli",
            "worker",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with http_server(receiver.app()) as url:
                delivery = await make_delivery(redis_url, channels(), InMemoryDeliveryLog(), POLICY)
                assert isinstance(delivery, ArqDelivery)
                no_secret = route(url).model_copy(update={"webhook_secret": ""})
                await delivery.submit(no_secret, message())
                await wait_until(lambda: receiver.requests, timeout_s=30, what="the worker's webhook")
                await delivery.aclose()
        finally:
            worker.terminate()
            output, _ = await asyncio.wait_for(worker.communicate(), 10)
    body, headers = receiver.requests[0]
    # signed by the worker process with its own configured secret
    signature = headers[SIGNATURE_HEADER]
    assert verify_signature("worker-default-secret", body, headers[TIMESTAMP_HEADER], signature)
    text = output.decode()
    assert f"running jobs from Redis at {redis_url}" in text
    assert "worker-default-secret" not in text


def test_vigil_worker_without_redis_says_what_to_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("VIGIL_REDIS_URL", raising=False)
    with pytest.raises(SystemExit, match="set REDIS_URL"):
        vigil_main(["worker"])


async def test_redis_unreachable_at_start_delivers_in_process(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vigil.alerts")
    receiver = Receiver()
    log = InMemoryDeliveryLog()
    redis_url = f"redis://:redis-pass-4321@127.0.0.1:{free_port()}/0"
    delivery = await make_delivery(redis_url, channels(), log, POLICY)
    assert isinstance(delivery, InProcessDelivery)
    assert "is unreachable" in caplog.text
    assert "alerts are delivered in-process" in caplog.text
    assert "redis-pass-4321" not in caplog.text
    async with http_server(receiver.app()) as url:
        record = await delivery.submit(route(url), message())
        await delivery.drain(10)
    assert log.records[record.id].status is DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


async def test_redis_going_down_later_falls_back_per_delivery(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="vigil.alerts")
    receiver = Receiver()
    log = InMemoryDeliveryLog()
    with redis_server() as port:
        delivery = await make_delivery(f"redis://127.0.0.1:{port}/0", channels(), log, POLICY)
        assert isinstance(delivery, ArqDelivery)
    # redis-server has stopped: nothing can be queued
    async with http_server(receiver.app()) as url:
        record = await delivery.submit(route(url), message())
        await delivery.fallback.drain(10)
    assert "Redis is unreachable" in caplog.text
    assert "delivering it in this process instead" in caplog.text
    assert log.records[record.id].status is DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1
    await delivery.aclose()
