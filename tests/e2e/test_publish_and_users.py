"""The dashboard's "Use this device as a camera" page and the administrators' users page, end to end.

Publish: a 375×812 phone (touch, mobile) in a chromium whose fake camera and microphone play a few seconds
of the plaza scenario; register (the first account is admin) and log in through the pages, create a phone
camera on /publish, choose the back camera with the microphone on, Start: the page shows the server's state
`streaming` and draws the frames the server receives and analyses; the API agrees; nothing is wider than
the phone; Stop: the server reports the camera offline after its read timeout.

Users: the admin adds an operator (after a refused password), makes them a viewer, deactivates them (their
login then fails), deletes them behind a confirmation whose safe answer has the focus; demoting themselves,
the last admin, is refused in words; a viewer opening /users is told who manages accounts.

Needs the built dashboard (`VIGIL_E2E_DIST` or frontend/dist), /usr/bin/chromium, ffmpeg, ../shared/media.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EMAIL,
    log_in,
    page_token,
    register_and_log_in,
    shot,
)
from tests.media import plaza

pytestmark = pytest.mark.slow

READ_TIMEOUT_S = 3.0
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture(scope="module")
def fake_media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Chrome's fake capture devices loop a y4m and a wav: six seconds of the plaza scenario."""
    folder = tmp_path_factory.mktemp("fake-media")
    video, audio = folder / "camera.y4m", folder / "microphone.wav"
    run = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", "20", "-t", "6", "-i", str(plaza())]
    subprocess.run(
        [*run, "-vf", "scale=640:480,fps=10", "-pix_fmt", "yuv420p", "-an", str(video)],
        check=True,
        timeout=120,
    )
    subprocess.run([*run, "-vn", "-ac", "1", "-ar", "48000", str(audio)], check=True, timeout=60)
    return video, audio


@pytest.fixture
async def camera_browser(fake_media: tuple[Path, Path]) -> AsyncIterator[Browser]:
    """A chromium of our own: the shared `browser` fixture has no fake camera."""
    video, audio = fake_media
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        f"--use-file-for-fake-audio-capture={audio}",
        "--allow-loopback-in-peer-connection",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        await browser.close()


async def api_health(url: str, token: str, camera_id: int) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        response = await client.get(
            f"/api/v1/cameras/{camera_id}/health", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    health: dict[str, object] = response.json()
    return health


async def wait_for_health(url: str, token: str, camera_id: int, state: str, timeout_s: float) -> float:
    """Seconds until the API reports `state` for the camera."""
    started = time.monotonic()
    health: dict[str, object] = {}
    while time.monotonic() - started < timeout_s:
        health = await api_health(url, token, camera_id)
        if health["state"] == state:
            return time.monotonic() - started
        await asyncio.sleep(0.25)
    pytest.fail(f"the API did not report {state!r} within {timeout_s} s: {health}")


async def frames_drawn(page: Page, camera_id: int) -> int:
    canvas = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    return int(await canvas.get_attribute("data-frames") or 0)


async def test_phone_publishes_its_camera_and_sees_what_the_server_sees(
    dashboard_server: ServerFactory, camera_browser: Browser
) -> None:
    async with dashboard_server(read_timeout_s=READ_TIMEOUT_S, analysis_workers=1) as server:
        context = await camera_browser.new_context(**PHONE)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await register_and_log_in(page, server.url, screenshots=False)
        await page.get_by_role("link", name="Use as camera").click()
        await expect(page.get_by_role("heading", name="Use this device as a camera")).to_be_visible()
        await expect(page.get_by_text("You have no phone camera yet")).to_be_visible()

        # a new phone camera, chosen at once and kept in the address
        await page.get_by_label("Name").fill("Phone at the gate")
        await page.get_by_role("button", name="Create phone camera").click()
        camera = page.get_by_label("Vigil camera")
        await expect(camera.locator("option:checked")).to_have_text("Phone at the gate")
        camera_id = int(await camera.input_value())
        await expect(page).to_have_url(re.compile(rf"/publish\?camera={camera_id}$"))
        tile = page.locator(f'.tile[data-camera-id="{camera_id}"]')
        await expect(tile.locator(".badge")).to_have_text("pending")

        await page.get_by_label("Lens").select_option(label="Back camera")
        microphone = page.get_by_label("Microphone on")
        await microphone.check()
        await expect(page.get_by_label("Resolution")).to_have_value("720p")
        state = page.locator(".publish-state")
        await expect(state).to_have_text("Not publishing.")
        await shot(page, "50-publish-phone-ready")

        token = await page_token(page)
        async with page.expect_response(
            lambda r: r.url.endswith(f"/cameras/{camera_id}/webrtc/offer")
        ) as info:
            await page.get_by_role("button", name="Start").click()
        assert (await info.value).status == 200
        await expect(state).to_have_attribute("data-state", "publishing", timeout=15_000)
        await expect(state).to_have_text("Publishing: Vigil is receiving this camera.")
        await expect(page.locator(".publish-stats")).to_have_attribute("data-width", "640", timeout=10_000)
        assert await page.locator("video.publish-preview").evaluate(
            "v => v.srcObject !== null && v.srcObject.getAudioTracks().length === 1"
            " && v.muted && v.playsInline"
        )

        # what the server sees: its state, and its frames drawn with their overlay, frame after frame
        await expect(tile.locator(".badge")).to_have_text("streaming", timeout=20_000)
        await expect(tile.locator("canvas")).not_to_have_attribute("data-frames", "0", timeout=20_000)
        drawn = await frames_drawn(page, camera_id)
        await page.wait_for_timeout(3000)
        assert await frames_drawn(page, camera_id) >= drawn + 6, "the server's frames are not being drawn"
        health = await api_health(server.url, token, camera_id)
        assert health["state"] == "streaming", health
        assert float(health["fps_in"]) >= 5, health  # type: ignore[arg-type]
        await expect(page.get_by_text(re.compile(r"^Vigil receives \d+ fps and analyses"))).to_be_visible()
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the publish page is {width} px wide on a 375 px phone"
        await shot(page, "51-publish-phone-streaming")

        # Stop: media released at once; the server says offline after its read timeout
        await page.get_by_role("button", name="Stop").click()
        await expect(state).to_have_text("Stopped.")
        assert await page.locator("video.publish-preview").evaluate("v => v.srcObject === null")
        waited = await wait_for_health(server.url, token, camera_id, "offline", READ_TIMEOUT_S + 10)
        await expect(tile.locator(".badge")).to_have_text("offline", timeout=5_000)
        await shot(page, "52-publish-phone-stopped")
        assert not errors, errors
        print(f"offline {waited:.1f} s after Stop (read timeout {READ_TIMEOUT_S} s)")
        await context.close()


async def test_publish_page_explains_a_refused_camera(
    dashboard_server: ServerFactory, camera_browser: Browser
) -> None:
    """A disabled camera: the server's 409 in words, with what to do."""
    async with dashboard_server() as server:
        context = await camera_browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        await register_and_log_in(page, server.url, screenshots=False)
        token = await page_token(page)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            headers = {"Authorization": f"Bearer {token}"}
            created = await client.post(
                "/api/v1/cameras", json={"name": "Laptop", "kind": "webrtc", "url": ""}, headers=headers
            )
            camera_id = created.json()["id"]
            await client.patch(f"/api/v1/cameras/{camera_id}", json={"enabled": False}, headers=headers)
        await page.goto(f"{server.url}/publish?camera={camera_id}")
        await expect(page.get_by_label("Vigil camera").locator("option:checked")).to_have_text(
            "Laptop (disabled)"
        )
        await page.get_by_label("Microphone on").uncheck()
        await page.get_by_role("button", name="Start").click()
        problem = page.get_by_role("alert")
        await expect(problem).to_contain_text("This camera is disabled in Vigil.")
        await expect(problem).to_contain_text("Enable it on its page (Cameras), then press Start.")
        await expect(page.locator(".publish-state")).to_have_text("Could not publish.")
        await expect(page.get_by_role("button", name="Start")).to_be_enabled()
        await shot(page, "53-publish-desktop-refused")
        await context.close()


async def test_admin_manages_accounts_and_roles(dashboard_server: ServerFactory, browser: Browser) -> None:
    guard, viewer = "guard@example.org", "watcher@example.org"
    async with dashboard_server() as server:
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        await register_and_log_in(page, server.url, screenshots=False)
        await page.get_by_role("link", name="Users").click()
        await expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
        me = page.locator(f'tr[data-user="{EMAIL}"]')
        await expect(me).to_contain_text("(you)")
        await expect(page.get_by_label(f"Role of {EMAIL}")).to_have_value("admin")

        # add an operator: registration's password rules apply, at the field
        form = page.get_by_role("form", name="Add an account")
        await form.get_by_label("Email").fill(guard)
        await form.get_by_label("Password").fill("password123")
        await form.get_by_label("Role").select_option("operator")
        await form.get_by_role("button", name="Add account").click()
        password = form.get_by_label("Password")
        await expect(password).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_text("Password is too easy to guess.")).to_be_visible()
        await expect(password).to_be_focused()
        await password.fill("night-shift-2026")
        await form.get_by_role("button", name="Add account").click()
        await expect(page.get_by_role("status")).to_have_text(f"Account {guard} added as Operator.")
        row = page.locator(f'tr[data-user="{guard}"]')
        await expect(page.get_by_label(f"Role of {guard}")).to_have_value("operator")
        await expect(row.locator(".badge")).to_have_text("active")
        await shot(page, "54-users-added")

        # operator → viewer, then deactivated: their login fails with the login page's message
        await page.get_by_label(f"Role of {guard}").select_option("viewer")
        await expect(page.get_by_role("status")).to_have_text(f"{guard} is now Viewer.")
        await page.get_by_role("button", name=f"Deactivate {guard}").click()
        await expect(row.locator(".badge")).to_have_text("inactive")
        await expect(page.get_by_role("button", name=f"Activate {guard}")).to_be_visible()
        other = await browser.new_context(viewport={"width": 1280, "height": 800})
        stranger = await other.new_page()
        await stranger.goto(f"{server.url}/login")
        await stranger.get_by_label("Email").fill(guard)
        await stranger.get_by_label("Password").fill("night-shift-2026")
        await stranger.get_by_role("button", name="Log in").click()
        await expect(stranger.get_by_role("alert")).to_have_text("Wrong email or password.")
        await shot(stranger, "55-login-deactivated")

        # delete: the confirmation focuses the safe answer; Escape keeps the account
        await page.get_by_role("button", name=f"Delete {guard}").click()
        dialog = page.get_by_role("dialog", name=f"Delete {guard}?")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_role("button", name="Keep account")).to_be_focused()
        await shot(page, "56-users-confirm-delete")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await expect(row).to_be_visible()
        await page.get_by_role("button", name=f"Delete {guard}").click()
        await dialog.get_by_role("button", name="Delete account").click()
        await expect(page.get_by_role("status")).to_have_text(f"{guard} was deleted.")
        await expect(row).to_have_count(0)

        # the last admin cannot demote themselves: refused in words, the role stays
        await page.get_by_label(f"Role of {EMAIL}").select_option("viewer")
        await expect(page.get_by_role("alert")).to_have_text(
            f"{EMAIL}: This is the last active administrator: it cannot be given another role. "
            "Make another account an administrator first."
        )
        await expect(page.get_by_label(f"Role of {EMAIL}")).to_have_value("admin")
        await shot(page, "57-users-last-admin")

        # phones: the table becomes cards, nothing wider than the screen
        await page.set_viewport_size({"width": 375, "height": 812})
        await page.wait_for_timeout(300)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"/users is {width} px wide on a 375 px screen"
        await shot(page, "58-users-phone")

        # a viewer opening /users is told who manages accounts, and has no Users link
        await page.set_viewport_size({"width": 1280, "height": 800})
        await form.get_by_label("Email").fill(viewer)
        await form.get_by_label("Password").fill("watch-the-gate-2026")
        await form.get_by_label("Role").select_option("viewer")
        await form.get_by_role("button", name="Add account").click()
        await expect(page.get_by_role("status")).to_have_text(f"Account {viewer} added as Viewer.")
        await log_in(stranger, server.url, viewer, "watch-the-gate-2026")
        await expect(stranger.get_by_role("link", name="Live")).to_be_visible()
        await expect(stranger.get_by_role("link", name="Users")).to_have_count(0)
        await stranger.goto(f"{server.url}/users")
        await expect(stranger.get_by_text("Only administrators manage accounts.")).to_be_visible()
        await shot(stranger, "59-users-not-admin")
        await other.close()
        await context.close()
