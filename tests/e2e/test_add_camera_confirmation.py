"""Adding a camera whose connection test failed, or was not run, asks first (Debian's chromium, a real
server): nothing is saved until the operator says "Add anyway"; Cancel, or any edit, drops the question; a
source whose test connected is added straight away. Screenshots 96-97 go to test-output/e2e/.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import EMAIL, PASSWORD, log_in, page_token, shot
from tests.media import plaza
from tests.servers.live_server import LiveServer

pytestmark = pytest.mark.slow


async def stored_cameras(server: LiveServer, token: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        listed = await client.get("/api/v1/cameras", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200, listed.text
    cameras: list[dict[str, object]] = listed.json()["items"]
    return cameras


async def stored_names(server: LiveServer, token: str) -> list[str]:
    return [str(camera["name"]) for camera in await stored_cameras(server, token)]


async def test_a_camera_whose_test_failed_or_was_not_run_is_added_only_when_confirmed(
    server: LiveServer, browser: Browser
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await log_in(page, server.url)
    token = await page_token(page)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Cameras").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Add a camera"))
    question = form.get_by_role("alertdialog")
    add = form.get_by_role("button", name="Add camera")

    # the test failed: Add camera asks, Cancel leaves nothing saved
    await form.get_by_label("Name").fill("Door")
    await form.get_by_label("Source").select_option("rtsp")
    await form.get_by_label("URL").fill("rtsp://127.0.0.1:9/live")
    await form.get_by_role("button", name="Test connection").click()
    await expect(form.locator(".probe-outcome")).to_contain_text("Not reachable", timeout=10_000)
    await add.click()
    await expect(question).to_contain_text("The connection test failed: connection refused")
    await expect(question).to_contain_text("Add Door anyway?")
    await expect(question.get_by_role("button", name="Add anyway")).to_be_focused()
    await shot(page, "96-camera-confirm-failed")
    await question.get_by_role("button", name="Cancel").click()
    await expect(question).to_have_count(0)
    assert await stored_names(server, token) == []

    # asked again, and this time confirmed: added
    await add.click()
    await question.get_by_role("button", name="Add anyway").click()
    await expect(page.get_by_role("status")).to_have_text("Camera Door added.")
    await expect(page.locator(".camera-list li", has_text="Door")).to_be_visible()
    assert await stored_names(server, token) == ["Door"]

    # not tested: asked too; an edit makes the question stale and drops it
    await form.get_by_label("Name").fill("Yard")
    await expect(page.get_by_role("status")).to_have_count(0)  # the last "added" is stale now
    await form.get_by_label("URL").fill("rtsp://127.0.0.1:9/yard")
    await form.get_by_label("Detect substream (optional)").fill("rtsp://ops:pa55@127.0.0.1:9/yard-sub")
    await form.get_by_role("button", name="Test substream").click()  # tested on its own
    substream = form.locator(".substream-test .probe-outcome")
    await expect(substream).to_contain_text("Not reachable", timeout=10_000)
    await expect(form.get_by_text("Not reachable")).to_have_count(1)  # the main URL's test is not run
    await add.click()
    await expect(question).to_contain_text("The connection was not tested.")
    await form.get_by_label("Analysis fps").fill("2")
    await expect(question).to_have_count(0)
    assert await stored_names(server, token) == ["Door"]
    await shot(page, "97-camera-confirm-untested")
    await add.click()
    await question.get_by_role("button", name="Add anyway").click()
    await expect(page.get_by_role("status")).to_have_text("Camera Yard added.")
    yard = next(c for c in await stored_cameras(server, token) if c["name"] == "Yard")
    assert yard["detect_url"] == "rtsp://ops:***@127.0.0.1:9/yard-sub"  # stored with its password, masked

    # a source whose test connected: added without a question
    await form.get_by_label("Name").fill("Plaza")
    await form.get_by_label("Source").select_option("file")
    await expect(form.get_by_label("Detect substream (optional)")).to_have_count(0)  # RTSP cameras only
    await form.get_by_label("URL").fill(str(plaza()))
    await form.get_by_role("button", name="Test connection").click()
    await expect(form.locator(".probe-outcome")).to_contain_text("Connected in", timeout=10_000)
    await add.click()
    await expect(page.get_by_role("status")).to_have_text("Camera Plaza added.")
    await expect(question).to_have_count(0)
    assert sorted(await stored_names(server, token)) == ["Door", "Plaza", "Yard"]
    await context.close()
    assert errors == []
