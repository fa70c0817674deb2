"""The server queues an incident's alert on a real redis-server; a separate `vigil worker` process sends it
through a real SMTP server (aiosmtpd) and writes the delivery to the shared database, where the server's
`/api/v1/alert-deliveries` shows it as delivered."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from arq.jobs import Job, JobStatus

from tests.alerts.support import MailSink, free_port, redis_server, smtp_server, update, wait_until
from tests.conftest import World, make_settings, world_over_http
from tests.servers.live_server import LiveServer, live_server
from vigil.alerts import ArqDelivery
from vigil.domain import UpdateKind

pytestmark = pytest.mark.slow


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture
async def server(tmp_path: Path, redis_url: str, mail: tuple[MailSink, int]) -> AsyncIterator[LiveServer]:
    settings = make_settings(
        tmp_path, redis_url=redis_url, smtp_host="127.0.0.1", smtp_port=mail[1], smtp_security="none"
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def deliveries(world: World, incident_id: int) -> list[dict[str, Any]]:
    response = await world.client.get(
        "/api/v1/alert-deliveries", params={"incident_id": incident_id}, headers=world["owner"].headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_worker_process_sends_queued_alerts_and_the_api_lists_them_as_delivered(
    server: LiveServer, world: World, redis_url: str, mail: tuple[MailSink, int]
) -> None:
    sink, smtp_port = mail
    settings = server.app.state.runtime.settings
    route = await world.client.post(
        "/api/v1/alert-routes",
        json={"name": "night mail", "channel": "email", "target": "owner@example.org"},
        headers=world["owner"].headers,
    )
    assert route.status_code == 201, route.text
    incident_id = await world.add_incident(world.camera_id, label="fight")
    delivery = server.app.state.runtime.alerts.delivery
    assert isinstance(delivery, ArqDelivery)  # the server queues; it sends nothing itself

    server.app.state.runtime.incidents.alerts.submit(
        update(UpdateKind.OPENED, incident_id=1, camera_id=world.camera_id), incident_id
    )
    await server.app.state.runtime.incidents.alerts.idle()
    [queued] = await deliveries(world, incident_id)
    assert (queued["status"], queued["attempts"], queued["channel"]) == ("pending", 0, "email")
    job = Job(queued["id"], delivery.redis)
    deadline = time.monotonic() + 10
    while await job.status() is not JobStatus.queued:
        assert time.monotonic() < deadline, f"job {queued['id']} is {await job.status()}"
        await asyncio.sleep(0.1)
    assert sink.messages == []  # nobody runs the queue yet

    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("VIGIL_")},
        "REDIS_URL": redis_url,
        "VIGIL_ENV": "test",
        "VIGIL_DATA_DIR": str(settings.data_dir),  # the server's SQLite database
        "VIGIL_SECRET_KEY": settings.secret_key,
        "VIGIL_SMTP_HOST": "127.0.0.1",
        "VIGIL_SMTP_PORT": str(smtp_port),
        "VIGIL_SMTP_SECURITY": "none",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vigil.cli",
        "worker",
        env=env,
        cwd=settings.data_dir.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_until(lambda: sink.messages, timeout_s=60, what="the worker's e-mail")
        deadline = time.monotonic() + 20
        while (listed := await deliveries(world, incident_id))[0]["status"] != "delivered":
            assert time.monotonic() < deadline, listed
            await asyncio.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = await asyncio.wait_for(worker.communicate(), 10)

    [sent] = listed
    assert sent["id"] == queued["id"]
    assert sent["route_id"] == route.json()["id"]
    assert (sent["channel"], sent["target"], sent["attempts"]) == ("email", "owner@example.org", 1)
    assert sent["delivered_at"] is not None
    assert sent["last_error"] is None
    [message] = sink.messages
    assert message["To"] == "owner@example.org"
    assert "Fight" in str(message["Subject"])
    text = output.decode()
    assert "delivery records go to the database" in text, text
    assert settings.secret_key not in text
