"""The built dashboard end to end: Debian's chromium against a real server (SQLite, a file camera of the
plaza scenario's scream, the real models) on a free port, served on the same origin as the API.

register → log in → the incidents page is open when the camera is added and the distress incident shows up
live with a notification → the live tile's canvas changes frame after frame (≥ 5 fps) with a `streaming`
badge → the incident's clip plays, its snapshot and audio load, the explanation lists `audio.scream` →
acknowledge → the session survives a reload, an expired token lands on the login page with a message,
log out. Then a 375×812 phone viewport: no page is wider than the screen.

The cameras page: a wrong URL is refused at its field; a file camera added through the form shows on
the wall, zones drawn by mouse and by keyboard on its page are stored normalised; settings, sharing, deletion.

Needs `frontend/dist` (`make frontend`), /usr/bin/chromium, ffmpeg and ../shared/media. Screenshots go to
test-output/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.helpers import (
    EMAIL,
    PASSWORD,
    SHOTS,
    add_camera,
    assert_fits_phone,
    canvas_digest,
    expired_token,
    frames_drawn,
    frames_received,
    log_in,
    register_and_log_in,
    scream_clip,
    shot,
)
from tests.media import plaza
from tests.servers.live_server import LiveServer

pytestmark = pytest.mark.slow

# What the server sends is capped by `vigil.api.livefeed` at 8 fps per camera (the issue asks for ≥ 5); the
# dashboard must draw nearly all of what arrives. Measured rates go to test-output/e2e/live.json.
MIN_RECEIVED_FPS = 5.0
MIN_DRAWN_SHARE = 0.9
BLOB_URL = re.compile(r"^blob:")


async def test_operator_sees_live_video_and_handles_a_live_incident(
    tmp_path: Path, server: LiveServer, browser: Browser
) -> None:
    clip = scream_clip(tmp_path)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await register_and_log_in(page, server.url)
    await expect(page.get_by_text("No camera yet")).to_be_visible()

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
    await log_in(page, server.url)
    plaza_tile = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    await expect(plaza_tile).not_to_have_attribute("data-frames", "0", timeout=15_000)
    for name, path in (("09-phone-wall", "/"), ("10-phone-incidents", "/incidents")):
        await assert_fits_phone(page, server.url, path, name)
    await phone.close()
    assert errors == []


async def test_operator_adds_a_camera_and_draws_a_zone(
    tmp_path: Path, server: LiveServer, browser: Browser
) -> None:
    """The cameras page: a wrong URL is refused at its field; a file camera added through the form shows on
    the live wall; a 4-corner restricted zone drawn by clicks on its page is stored, normalised."""
    clip = scream_clip(tmp_path)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await register_and_log_in(page, server.url)
    await expect(page.get_by_text("No camera yet")).to_be_visible()

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Cameras").click()
    await expect(page.get_by_role("heading", name="Cameras", exact=True)).to_be_visible()
    form = page.locator("form", has=page.get_by_role("heading", name="Add a camera"))
    await form.get_by_label("Name").fill("Gate")
    await form.get_by_label("Source").select_option("file")
    url = form.get_by_label("URL")
    await url.fill("/etc/hostname")  # a real file, outside the folders the server allows
    await form.get_by_label("Analysis fps").fill("4")
    await form.get_by_role("button", name="Add camera").click()
    # not tested: the form asks first (tests/e2e/test_wall_layouts.py tests the question itself)
    await form.get_by_role("alertdialog").get_by_role("button", name="Add anyway").click()
    url_error = form.locator(".field-error")
    await expect(url_error).to_contain_text("outside the folders allowed")
    await expect(url).to_have_attribute("aria-invalid", "true")
    # the message is tied to the URL field, so a screen reader reads it with the field
    described = await url.get_attribute("aria-describedby") or ""
    assert await url_error.get_attribute("id") in described.split()
    await shot(page, "11-camera-wrong-url")

    await url.fill(str(clip))
    await form.get_by_role("button", name="Add camera").click()
    await form.get_by_role("alertdialog").get_by_role("button", name="Add anyway").click()
    await expect(page.get_by_role("status")).to_have_text("Camera Gate added.")
    await expect(url_error).to_have_count(0)
    row = page.locator(".camera-list li", has_text="Gate")
    await expect(row).to_contain_text("Video file")
    camera_id = int(await row.get_attribute("data-camera-id") or 0)
    await shot(page, "12-camera-added")

    await page.get_by_role("link", name="Live").click()
    tile = page.locator(f'.tile[data-camera-id="{camera_id}"]')
    await expect(tile.locator("canvas")).not_to_have_attribute("data-frames", "0", timeout=20_000)
    await shot(page, "13-camera-on-wall")

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Cameras").click()
    await page.get_by_role("link", name="Gate").click()
    await expect(page.get_by_role("heading", name="Gate")).to_be_visible()
    canvas = page.locator("canvas.zones-canvas")
    await expect(canvas).to_have_attribute("data-has-frame", "true", timeout=20_000)
    await page.get_by_label("Freeze the picture").check()
    box = await canvas.bounding_box()
    assert box is not None
    corners = [(0.2, 0.3), (0.6, 0.3), (0.6, 0.8), (0.2, 0.8)]
    for x, y in corners:
        await canvas.click(position={"x": x * box["width"], "y": y * box["height"]})
    await expect(canvas).to_have_attribute("data-draft-points", "4")
    await page.get_by_label("Zone name").fill("Door")
    await page.get_by_label("Zone kind").select_option("restricted")
    await page.get_by_label("Zone name").press("Enter")  # Enter closes the polygon
    await expect(canvas).to_have_attribute("data-draft-points", "0")
    await expect(page.locator(".zone-list li", has_text="Door")).to_contain_text("4 corners")
    await shot(page, "14-zone-drawn")
    # a loiter zone by keyboard alone: arrows move the cross (Shift: 0.1), Space adds a corner, Enter closes
    await page.get_by_label("Zone kind").select_option("loiter")
    await page.get_by_label("Loiter seconds").fill("30")
    await page.get_by_label("Zone name").fill("Bench")
    await canvas.focus()
    for keys in (["Shift+ArrowLeft"] * 3, ["Shift+ArrowRight"] * 2, ["Shift+ArrowUp"] * 2):
        for key in keys:
            await canvas.press(key)
        await canvas.press(" ")
    await expect(canvas).to_have_attribute("data-draft-points", "3")
    await canvas.press("Enter")
    await expect(page.locator(".zone-list li", has_text="Bench")).to_contain_text("3 corners · 30 s")
    await page.get_by_role("button", name="Save zones").click()
    await expect(page.get_by_text("Zones saved.")).to_be_visible()
    await shot(page, "15-zone-saved")

    token = await page.evaluate("localStorage.getItem('vigil.token')")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        headers = {"Authorization": f"Bearer {token}"}
        stored = await client.get(f"/api/v1/cameras/{camera_id}", headers=headers)
    assert stored.status_code == 200, stored.text
    zones = stored.json()["zones"]
    assert [(zone["name"], zone["kind"]) for zone in zones] == [("Door", "restricted"), ("Bench", "loiter")]
    assert zones[1]["loiter_s"] == 30
    assert zones[1]["points"] == [[0.2, 0.5], [0.4, 0.5], [0.4, 0.3]]
    points = zones[0]["points"]
    assert len(points) == 4
    assert all(0 <= value <= 1 for point in points for value in point)
    for (x, y), (expected_x, expected_y) in zip(points, corners, strict=True):
        assert abs(x - expected_x) < 0.02, points
        assert abs(y - expected_y) < 0.02, points

    # a phone: the cameras page and the camera's page fit 375 px
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.reload()
    await expect(page.get_by_role("heading", name="Gate")).to_be_visible()
    for name, path in (("16-phone-camera", f"/cameras/{camera_id}"), ("17-phone-cameras", "/cameras")):
        await assert_fits_phone(page, server.url, path, name)

    # settings, sharing and deletion, on the phone
    await page.get_by_role("link", name="Gate").click()
    await page.get_by_role("switch", name="Privacy").check()
    async with page.expect_response(lambda response: response.request.method == "PATCH") as patched:
        await page.get_by_role("button", name="Save settings").click()
    assert (await patched.value).status == 200
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        registered = await client.post(
            "/api/v1/auth/register", json={"email": "guard@example.org", "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        stored = await client.get(f"/api/v1/cameras/{camera_id}", headers=headers)
        assert stored.json()["privacy"] is True
    share_email = page.get_by_label("Share with (email)")
    await share_email.fill("nobody@example.org")
    await page.get_by_role("button", name="Share", exact=True).click()
    await expect(page.get_by_role("alert")).to_have_text("No account has this email.")
    await share_email.fill("guard@example.org")
    await page.get_by_label("Role").select_option("operator")
    await page.get_by_role("button", name="Share", exact=True).click()
    shared = page.locator(".zone-list li", has_text="guard@example.org")
    await expect(shared).to_contain_text("operator")
    await shot(page, "18-phone-shared")
    await page.get_by_role("button", name="Stop sharing with guard@example.org").click()
    await expect(shared).to_have_count(0)
    # the clip walks people through the restricted zone: an alert's notice stays until seen, and on a
    # phone it may lie over the button
    dismiss = page.get_by_role("button", name="Dismiss notification")
    while await dismiss.count():
        await dismiss.first.click()
    await page.get_by_role("button", name="Delete camera…").click()
    await expect(page.get_by_role("button", name="Cancel")).to_be_focused()  # the safe choice first
    await shot(page, "19-phone-delete-confirm")
    await page.get_by_role("button", name="Yes, delete Gate").click()
    await expect(page.get_by_role("heading", name="Cameras", exact=True)).to_be_visible()
    await expect(page.get_by_text("No camera yet.")).to_be_visible()
    await context.close()
    assert errors == []
