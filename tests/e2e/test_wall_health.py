"""The wall tells an operator what is wrong without hovering: an offline camera's reason in words, and a
red tile while a camera has an open alert (Debian's chromium, a real server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import EMAIL, PASSWORD, add_camera, log_in, page_token, shot
from tests.servers.live_server import LiveServer
from vigil.db import incidents as incident_repo
from vigil.db.tables import Incident
from vigil.domain import Severity

pytestmark = pytest.mark.slow


async def test_an_offline_cameras_reason_and_an_open_alert_show_on_the_wall(
    server: LiveServer, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    page = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
    await log_in(page, server.url)
    token = await page_token(page)
    # a camera on a closed loopback port: it can only fail, and says why
    dead = await add_camera(
        server.url, token, {"name": "Back door", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/x"}
    )
    quiet = await add_camera(
        server.url, token, {"name": "Yard", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/y", "enabled": False}
    )
    dead_tile = page.locator(f'figure[data-camera-id="{dead}"]')
    await expect(dead_tile.get_by_test_id("health-words")).to_have_text(
        re.compile(r"^(offline|reconnecting|error|connecting): \S.*"), timeout=30_000
    )

    quiet_tile = page.locator(f'figure[data-camera-id="{quiet}"]')
    await expect(quiet_tile).not_to_have_class(re.compile(r"\balerting\b"))
    async with server.app.state.runtime.session_factory() as db:
        await incident_repo.add(
            db,
            Incident(
                camera_id=quiet,
                label="intrusion",
                confidence=0.9,
                severity=Severity.HIGH,
                started_at=datetime.now(UTC),
                explanation={"summary": "intrusion", "terms": []},
            ),
        )
    await page.reload()
    await expect(quiet_tile).to_have_class(re.compile(r"\balerting\b"))
    await expect(quiet_tile).to_contain_text("open alert")
    await expect(dead_tile).not_to_have_class(re.compile(r"\balerting\b"))
    await shot(page, "72-wall-health")
