"""Several `vigil worker` processes on one Redis and one database: each alert is sent by one of them and
recorded once; a worker killed in the middle of a delivery leaves it to another, which delivers it with
the same delivery id (so the receiver keeps one) and records it once; a job run again after its delivery
was recorded is not sent again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import col, select

from tests.alerts.support import LOOPBACK, LOOPBACK_WEBHOOKS, http_server, redis_server, wait_until
from tests.alerts.test_queue import message
from tests.conftest import password_hash
from vigil.alerts import AlertRoute, ArqDelivery, Redactor, RetryPolicy, make_delivery
from vigil.alerts.channels.webhook import DELIVERY_HEADER, WebhookChannel, WebhookConfig
from vigil.alerts.delivery import deliver_alert_job
from vigil.alerts.model import DeliveryAttempt
from vigil.db.alerts import SqlDeliveryLog
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.migrate import upgrade_to_head_async
from vigil.db.tables import AlertDelivery, Camera, Incident, User
from vigil.db.tables import AlertRoute as StoredRoute
from vigil.db.types import utcnow
from vigil.domain import ChannelKind, DeliveryStatus, Role, SourceKind

pytestmark = pytest.mark.slow

ATTEMPT_TIMEOUT_S = 3


class HoldingReceiver:
    """A webhook receiver that holds the first request it gets (a receiver that hangs) and answers the
    others at once; it keeps every request's delivery id."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.first_arrived = asyncio.Event()
        self._release = asyncio.Event()

    def app(self) -> web.Application:
        async def hook(request: web.Request) -> web.Response:
            await request.read()
            self.ids.append(request.headers[DELIVERY_HEADER])
            if len(self.ids) == 1 and self.hold_first:
                self.first_arrived.set()
                await self._release.wait()
            return web.json_response({"ok": True})

        app = web.Application()
        app.router.add_post("/hook", hook)
        return app

    hold_first = True

    def release(self) -> None:
        self._release.set()


def route(url: str) -> AlertRoute:
    return AlertRoute(
        id=3, channel=ChannelKind.WEBHOOK, target=f"{url}/hook", webhook_secret="several-workers-1"
    )


@pytest.fixture
async def shared(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    await upgrade_to_head_async(database)
    await _incidents_and_route(database)
    with redis_server() as port:
        yield f"redis://127.0.0.1:{port}/0", database


async def _incidents_and_route(database: str) -> None:
    """The rows a delivery record points at: incidents 1-9 of one camera, and route 3."""
    engine = make_engine(database)
    async with make_session_factory(engine)() as db:
        owner = User(email="owner@example.com", hashed_password=password_hash(), role=Role.OPERATOR)
        db.add(owner)
        await db.commit()
        camera = Camera(name="Gate", kind=SourceKind.FILE, url="/nowhere.mp4", owner_id=owner.id)
        db.add(camera)
        await db.commit()
        assert camera.id is not None
        for number in range(1, 10):
            db.add(
                Incident(
                    id=number, camera_id=camera.id, label="distress", confidence=0.8, started_at=utcnow()
                )
            )
        db.add(
            StoredRoute(
                id=3, owner_id=owner.id, channel=ChannelKind.WEBHOOK, target="http://127.0.0.1:9/hook"
            )
        )
        await db.commit()
    await engine.dispose()


async def start_worker(
    tmp_path: Path, redis_url: str, database: str, name: str
) -> asyncio.subprocess.Process:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
        "REDIS_URL": redis_url,
        "VIGIL_DATABASE_URL": database,
        "VIGIL_ENV": "test",
        "VIGIL_DATA_DIR": str(tmp_path / name),
        "VIGIL_OUTBOUND_ALLOW_WEBHOOKS": LOOPBACK,
        "VIGIL_ALERT_ATTEMPT_TIMEOUT_S": str(ATTEMPT_TIMEOUT_S),
        "VIGIL_ALERT_RETRY_FIRST_S": "0.2",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vigil.cli", "worker", env=env, cwd=tmp_path, stdout=log, stderr=log
    )


async def stored(database: str) -> list[AlertDelivery]:
    engine = make_engine(database)
    async with make_session_factory(engine)() as db:
        rows = list((await db.scalars(select(AlertDelivery).order_by(col(AlertDelivery.id)))).all())
    await engine.dispose()
    return rows


async def submitter(database: str, redis_url: str) -> ArqDelivery:
    engine = make_engine(database)
    log = SqlDeliveryLog(make_session_factory(engine))
    delivery = await make_delivery(redis_url, {}, log, RetryPolicy())
    assert isinstance(delivery, ArqDelivery)
    return delivery


async def test_each_alert_is_delivered_and_recorded_once_even_when_a_worker_dies_mid_delivery(
    tmp_path: Path, shared: tuple[str, str]
) -> None:
    redis_url, database = shared
    receiver = HoldingReceiver()
    first = await start_worker(tmp_path, redis_url, database, "first")
    second = None
    try:
        async with http_server(receiver.app()) as url:
            delivery = await submitter(database, redis_url)
            held = await delivery.submit(route(url), message(1))
            await asyncio.wait_for(receiver.first_arrived.wait(), 30)  # the first worker is mid-delivery
            second = await start_worker(tmp_path, redis_url, database, "second")
            first.send_signal(signal.SIGKILL)
            await first.wait()
            receiver.hold_first = False
            for incident in range(2, 7):  # meanwhile, more alerts for two workers... now one
                await delivery.submit(route(url), message(incident))
            await wait_until(
                lambda: len(set(receiver.ids)) == 6 and receiver.ids.count(held.id) == 2,
                timeout_s=90,
                what="every alert at the receiver, the killed worker's again from the other worker",
            )
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
            receiver.release()
            await delivery.aclose()
        rows = await stored(database)
    finally:
        for worker in (first, second):
            if worker is not None and worker.returncode is None:
                worker.terminate()
                await worker.wait()
    assert sorted(r.incident_id for r in rows) == [1, 2, 3, 4, 5, 6]  # recorded once each
    assert all(r.status is DeliveryStatus.DELIVERED for r in rows), [(r.incident_id, r.status) for r in rows]
    assert receiver.ids.count(held.id) == 2  # the killed worker's request, then the other worker's
    assert all(receiver.ids.count(r.id) == 1 for r in rows if r.id != held.id)
    assert len(set(receiver.ids)) == 6  # a receiver keeping one per delivery id has each alert once


async def test_a_job_run_again_after_its_delivery_was_recorded_is_not_sent_again(
    shared: tuple[str, str],
) -> None:
    _redis_url, database = shared
    engine = make_engine(database)
    log = SqlDeliveryLog(make_session_factory(engine))
    receiver = HoldingReceiver()
    receiver.hold_first = False
    async with http_server(receiver.app()) as url:
        channels = {
            ChannelKind.WEBHOOK: WebhookChannel(WebhookConfig(timeout_s=5, outbound=LOOPBACK_WEBHOOKS))
        }
        ctx = {"channels": channels, "delivery_log": log, "retry_policy": RetryPolicy(), "redact": Redactor()}
        record = DeliveryAttempt.new(route(url), message(9))
        await log.save(record)
        assert await deliver_alert_job({**ctx, "job_try": 1}, route(url), message(9), record) == "delivered"
        assert await deliver_alert_job({**ctx, "job_try": 2}, route(url), message(9), record) == "delivered"
    await engine.dispose()
    assert receiver.ids == [record.id]
