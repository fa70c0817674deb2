"""Triage in the dashboard (Debian's chromium, a real server): forty new incidents, the unread count in
the menu, severity tabs, repeats grouped, and reviewing by keyboard until nothing is unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import EMAIL, PASSWORD, add_camera, log_in, page_token, shot
from tests.servers.live_server import LiveServer
from vigil.db import incidents as incident_repo
from vigil.db.tables import Incident
from vigil.domain import Severity

pytestmark = pytest.mark.slow


async def add_incidents(server: LiveServer, camera_id: int) -> None:
    """Forty incidents a minute apart: screams (alerts) and loitering (detections) alternating, then one
    scream repeated three times within two minutes (one row ×3)."""
    now = datetime.now(UTC)
    rows = [
        ("scream" if i % 2 else "loitering", Severity.HIGH if i % 2 else Severity.LOW, 60 * (i + 5))
        for i in range(37)
    ] + [("glass_break", Severity.HIGH, s) for s in (30, 90, 150)]
    async with server.app.state.runtime.session_factory() as db:
        for label, severity, ago_s in rows:
            await incident_repo.add(
                db,
                Incident(
                    camera_id=camera_id,
                    label=label,
                    confidence=0.8,
                    severity=severity,
                    started_at=now - timedelta(seconds=ago_s),
                    explanation={"summary": f"{label} test", "terms": []},
                ),
            )


async def test_forty_incidents_are_triaged_by_keyboard_until_none_is_unread(
    server: LiveServer, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await log_in(page, server.url)
    camera_id = await add_camera(
        server.url,
        await page_token(page),
        {"name": "Gate", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/x", "enabled": False},
    )
    await add_incidents(server, camera_id)
    await page.reload()
    unread = page.get_by_test_id("unread-count")
    await expect(unread).to_contain_text("40")

    await page.get_by_role("link", name="Incidents").click()
    heading = page.get_by_role("heading", name="Incidents")
    await expect(heading).to_be_focused()  # a page change starts at its heading
    rows = page.locator("#incident-list tbody tr")
    await expect(rows).to_have_count(38)  # the three glass breaks are one row
    await expect(rows.first).to_contain_text("×3")
    tabs = page.get_by_role("navigation", name="Severity groups")
    await tabs.get_by_role("button", name="Alerts").click()
    # alerts only: the 18 screams, two minutes apart, are repeats of each other now
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text("×18")
    await tabs.get_by_role("button", name="All").click()
    await expect(rows).to_have_count(38)
    await shot(page, "70-triage-list")

    # Keyboard only: to the list in two presses, then mark the first row (3 incidents) reviewed, select
    # the next two and mark them reviewed too.
    await heading.focus()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(rows.first).to_be_focused()
    await page.keyboard.press("r")
    await expect(unread).to_contain_text("37")
    await page.keyboard.press("j")
    await page.keyboard.press("x")
    await page.keyboard.press("j")
    await page.keyboard.press("x")
    await expect(page.get_by_role("button", name="Mark selected reviewed (2)")).to_be_enabled()
    await page.keyboard.press("r")
    await expect(unread).to_contain_text("35")
    await expect(page.get_by_role("status").filter(has_text="marked reviewed")).to_contain_text("2 incidents")

    # Everything else up to now, through the toolbar, by keyboard.
    page.once("dialog", lambda dialog: dialog.accept())
    everything = page.get_by_role("button", name="Mark all matching reviewed")
    await everything.focus()
    await page.keyboard.press("Enter")
    await expect(unread).to_have_count(0)
    await shot(page, "71-triage-done")
    async with httpx.AsyncClient(base_url=server.url) as client:
        token = await page_token(page)
        left = await client.get(
            "/api/v1/incidents", params={"status": "new"}, headers={"Authorization": f"Bearer {token}"}
        )
    assert left.json()["total"] == 0
