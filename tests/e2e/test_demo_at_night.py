"""The demo camera (the plaza, people walking by) at night raises no intrusion: nobody marked the plaza
closed. Debian's chromium against a real server whose time zone puts it at 23:00 now."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import EMAIL, PASSWORD, log_in, page_token, shot
from tests.media import plaza

pytestmark = pytest.mark.slow


def zone_where_it_is_night() -> str:
    """A fixed-offset zone whose local time is 23:xx now (Etc/GMT-N is N hours *ahead* of UTC)."""
    ahead = (23 - datetime.now(UTC).hour) % 24
    offset = ahead if ahead <= 14 else ahead - 24
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def test_the_demo_camera_at_night_raises_no_intrusion(
    dashboard_server: ServerFactory, browser: Browser
) -> None:
    tz = zone_where_it_is_night()
    async with dashboard_server(demo_video=plaza(), timezone=tz) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            registered = await client.post(
                "/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD}
            )
            assert registered.status_code == 201, registered.text
        page = await (await browser.new_context(viewport={"width": 1280, "height": 800})).new_page()
        await log_in(page, server.url)
        tile = page.locator("figure.tile").first
        await expect(tile.get_by_text("streaming")).to_be_visible(timeout=60_000)
        token = await page_token(page)
        headers = {"Authorization": f"Bearer {token}"}
        # a whole loop of the plaza (79.5 s of people walking, a dog, a scream, glass, a siren) at night
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            deadline = time.monotonic() + 180
            analysed = 0.0
            while time.monotonic() < deadline:
                cameras = (await client.get("/api/v1/cameras")).json()["items"]
                health = (await client.get(f"/api/v1/cameras/{cameras[0]['id']}/health")).json()
                analysed += health["fps_analysed"] * 5
                labels = {i["label"] for i in (await client.get("/api/v1/incidents")).json()["items"]}
                if analysed >= 120 and labels:  # people seen for a good while, and the sounds heard
                    break
                await asyncio.sleep(5)
            incidents = (await client.get("/api/v1/incidents", params={"limit": 500})).json()["items"]
        assert analysed >= 120, f"too few frames analysed to judge: {analysed:.0f}"
        assert "intrusion" not in {i["label"] for i in incidents}, incidents
        await page.get_by_role("link", name=re.compile("^Incidents")).click()
        await expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
        await expect(page.locator("#incident-list tbody")).not_to_contain_text("ntrusion")
        await shot(page, "73-demo-at-night")
