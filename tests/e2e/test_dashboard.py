"""The built dashboard end to end: Debian's chromium against a real server (SQLite, a file camera of the
plaza scenario's scream, the real models) on a free port, served on the same origin as the API.

register → log in → the incidents page is open when the camera is added and the distress incident shows up
live with a notification → the live tile's canvas changes frame after frame (≥ 5 fps) with a `streaming`
badge → the incident's clip plays, its snapshot and audio load, the explanation lists `audio.scream` →
acknowledge → the session survives a reload, an expired token lands on the login page with a message,
log out. Then a 375×812 phone viewport: no page is wider than the screen.

Needs `frontend/dist` (`make frontend`), /usr/bin/chromium, ffmpeg and ../shared/media. Screenshots go to
test-output/e2e/.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import make_settings
from tests.media import REPO, plaza, shared_media_dir
from tests.servers.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
DIST = REPO / "frontend" / "dist"
SHOTS = REPO / "test-output" / "e2e"
EMAIL = "operator@example.org"
PASSWORD = "plaza-watch-2026"
# What the server sends is capped by `vigil.api.livefeed` at 8 fps per camera (the issue asks for ≥ 5); the
# dashboard must draw nearly all of what arrives. Measured rates go to test-output/e2e/live.json.
MIN_RECEIVED_FPS = 5.0
MIN_DRAWN_SHARE = 0.9
BLOB_URL = re.compile(r"^blob:")


def scream_clip(folder: Path) -> Path:
    """Seconds 21-29 of the scenario (the scream is at 25-27 s), cut without re-encoding."""
    clip = folder / "videos" / "scream.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    command = ["ffmpeg", "-loglevel", "error", "-y", "-ss", "21", "-i", str(plaza()), "-t", "8", "-c", "copy"]
    subprocess.run([*command, str(clip)], check=True, timeout=60)
    return clip


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(f"the dashboard is not built ({DIST}): run `make frontend`")
    settings = make_settings(
        tmp_path,
        frontend_dist=DIST,
        file_roots=f"{shared_media_dir()}:{tmp_path / 'videos'}",
        analysis_workers=1,
        pre_roll_s=2,
        post_roll_s=2,
        buffer_s=30,
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file() or shutil.which("ffmpeg") is None:  # noqa: ASYNC240 (a stat, once)
        pytest.fail("needs /usr/bin/chromium and ffmpeg: scripts/ci/install-system-deps.sh")
    args = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--no-first-run"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        await browser.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def canvas_digest(page: Page, camera_id: int) -> str:
    data_url: str = await page.locator(f'.tile[data-camera-id="{camera_id}"] canvas').evaluate(
        "c => c.toDataURL('image/png')"
    )
    return hashlib.sha256(data_url.encode()).hexdigest()


async def frames_drawn(page: Page, camera_id: int) -> int:
    canvas = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    return int(await canvas.get_attribute("data-frames") or 0)


async def frames_received(page: Page, camera_id: int) -> int:
    canvas = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    return int(await canvas.get_attribute("data-received") or 0)


def expired_token() -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part({'sub': 'x', 'exp': int(time.time()) - 60})}.sig"


async def add_camera(url: str, token: str, fields: dict[str, object]) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        created = await client.post(
            "/api/v1/cameras",
            json={"kind": "file", "analysis_fps": 4, **fields},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert created.status_code == 201, created.text
    camera_id: int = created.json()["id"]
    return camera_id


async def register_and_log_in(page: Page, url: str) -> None:
    await page.goto(url)
    await expect(page).to_have_url(f"{url}/login?redirect=%2F")  # the guard sends a stranger to login
    await page.get_by_role("link", name="Register").click()
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Repeat password").fill(PASSWORD)
    await shot(page, "01-register")
    await page.get_by_role("button", name="Register").click()
    await expect(page.get_by_role("status")).to_have_text("Account created. Log in.")
    await expect(page.get_by_label("Email")).to_have_value(EMAIL)
    await page.get_by_label("Password").fill("wrong-password-123")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.get_by_label("Password").fill(PASSWORD)
    await shot(page, "02-login")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Live")).to_be_visible()
    await expect(page.get_by_text("No camera yet")).to_be_visible()


async def test_operator_sees_live_video_and_handles_a_live_incident(
    tmp_path: Path, server: LiveServer, browser: Browser
) -> None:
    clip = scream_clip(tmp_path)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await register_and_log_in(page, server.url)

    # the incidents page is open, empty, when the camera starts: the incident must arrive over socket.io
    await page.get_by_role("link", name="Incidents").click()
    await expect(page.get_by_text("0 incidents")).to_be_visible()
    token = await page.evaluate("localStorage.getItem('vigil.token')")
    # the scream, played once (its incident closes, so its clip is cut), and the whole plaza on a loop
    await add_camera(server.url, token, {"name": "Scream", "url": str(clip), "file_loop": False})
    camera_id = await add_camera(server.url, token, {"name": "Plaza", "url": str(plaza()), "analysis_fps": 2})
    row = page.locator("table.incidents tbody tr", has_text="distress").filter(has_text="Scream").first
    await expect(row).to_be_visible(timeout=30_000)
    await expect(page.locator(".notice", has_text="New incident: distress")).to_be_visible()
    await shot(page, "03-incident-live")
    await page.locator(".notice", has_text="New incident: distress").get_by_role("link").click()
    await expect(page.get_by_role("heading", name="distress")).to_be_visible()  # the notice opens it

    # the live wall: the tile's canvas changes frame after frame, the badge says streaming
    await page.get_by_role("link", name="Live").click()
    tile = page.locator(f'.tile[data-camera-id="{camera_id}"]')
    await expect(tile.locator(".badge")).to_have_text("streaming", timeout=15_000)
    await expect(tile.locator("canvas")).not_to_have_attribute("data-frames", "0", timeout=15_000)
    drawn_before, received_before = (
        await frames_drawn(page, camera_id),
        await frames_received(page, camera_id),
    )
    digest_before, started = await canvas_digest(page, camera_id), time.monotonic()
    await page.wait_for_timeout(4000)
    drawn, received = (
        await frames_drawn(page, camera_id) - drawn_before,
        await frames_received(page, camera_id) - received_before,
    )
    elapsed = time.monotonic() - started
    (SHOTS / "live.json").write_text(json.dumps({"seconds": elapsed, "received": received, "drawn": drawn}))
    assert await canvas_digest(page, camera_id) != digest_before, "the live canvas did not change in 4 s"
    assert received / elapsed >= MIN_RECEIVED_FPS, f"{received} frames arrived in {elapsed:.1f} s"
    assert drawn >= MIN_DRAWN_SHARE * received, f"drew {drawn} of {received} frames"
    await shot(page, "04-wall")
    await tile.get_by_role("button", name="Enlarge Plaza").focus()  # the keyboard works as well as a click
    await page.keyboard.press("Enter")
    await expect(tile).to_have_class("tile enlarged")
    await shot(page, "05-wall-enlarged")
    await page.keyboard.press("Escape")
    await expect(tile).to_have_class("tile")

    # the incident: clip plays, snapshot and audio load, the explanation names the scream, acknowledge
    await page.get_by_role("link", name="Incidents").click()
    await (
        page.locator("table.incidents tbody tr", has_text="distress")
        .filter(has_text="Scream")
        .first.get_by_role("link")
        .click()
    )
    await expect(page.get_by_role("heading", name="distress")).to_be_visible()
    await shot(page, "06-incident-opened")
    video = page.locator("video.clip")
    await expect(video).to_have_attribute("src", BLOB_URL, timeout=30_000)  # cut once the incident closes
    await video.evaluate("v => { v.muted = true; return v.play(); }")
    await page.wait_for_timeout(1500)
    assert await video.evaluate("v => v.currentTime") > 0.5, "the clip does not play"
    assert await video.evaluate("v => v.seekable.length > 0 && v.seekable.end(0) >= 4")
    audio = page.locator("audio")
    await expect(audio).to_have_attribute("src", BLOB_URL, timeout=20_000)
    await page.wait_for_function("() => document.querySelector('audio').readyState >= 1")
    assert await page.locator("img.snapshot").evaluate("i => i.complete && i.naturalWidth > 0")
    await expect(page.get_by_role("rowheader", name="audio.scream")).to_be_visible()
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator("h1 .badge", has_text="acknowledged")).to_be_visible()
    await shot(page, "07-incident-acknowledged")

    # a reload keeps the session; an expired token sends the user to login with a message; log out
    await page.reload()
    await expect(page.get_by_role("heading", name="distress")).to_be_visible()
    await page.evaluate(f"localStorage.setItem('vigil.token', '{expired_token()}')")
    await page.reload()
    await expect(page.get_by_role("status")).to_have_text("Your session has expired. Please log in again.")
    await shot(page, "08-expired")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="distress")).to_be_visible()  # back where they were
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("status")).to_have_text("You have been logged out.")
    await context.close()

    # a phone: every page fits 375 px
    phone = await browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = await phone.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    plaza_tile = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    await expect(plaza_tile).not_to_have_attribute("data-frames", "0", timeout=15_000)
    for name, path in (("09-phone-wall", "/"), ("10-phone-incidents", "/incidents")):
        await page.goto(f"{server.url}{path}")
        await page.wait_for_load_state("networkidle")
        await page.wait_for_timeout(500)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px screen"
        await shot(page, name)
    await phone.close()
    assert errors == []
