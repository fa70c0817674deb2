"""The cameras pages end to end, in Debian's chromium against a real server: a source is tested before it
is added (the still and its size show; a refused URL goes to its field; WebRTC cannot be tested); a drawn
zone is edited by dragging a corner and by the keyboard, renamed and re-kinded, and the stored points are
checked through the API; a privacy mask drawn in the same editor blacks out the live picture (its pixels
read back from the wall's canvas) and the still of a test from the camera's page; the source is changed
after creation; the pages fit a 375 px phone. Screenshots 20-29 go to test-output/e2e/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.helpers import assert_fits_phone, page_token, register_and_log_in, scream_clip, shot
from tests.media import plaza
from tests.servers.live_server import LiveServer

pytestmark = pytest.mark.slow

# over the building's windows at the top of the plaza (nobody walks there, so no overlay box either)
WINDOWS = [(0.4, 0.0), (0.8, 0.0), (0.8, 0.2), (0.4, 0.2)]
INSIDE_WINDOWS = (0.45, 0.03, 0.75, 0.17)  # x1, y1, x2, y2 of a region well inside the mask

PIXEL_STATS = """(canvas, [x1, y1, x2, y2]) => {
  const ctx = canvas.getContext('2d');
  const [w, h] = [canvas.width, canvas.height];
  const stats = (ax, ay, bx, by) => {
    const data = ctx.getImageData(ax, ay, bx - ax, by - ay).data;
    let sum = 0, sq = 0, n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const grey = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += grey; sq += grey * grey; n += 1;
    }
    const mean = sum / n;
    return {mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean))};
  };
  return {
    inside: stats(Math.round(x1 * w), Math.round(y1 * h), Math.round(x2 * w), Math.round(y2 * h)),
    below: stats(0, Math.round(0.3 * h), w, h),
  };
}"""


async def canvas_stats(canvas: Locator) -> dict[str, dict[str, float]]:
    stats: dict[str, dict[str, float]] = await canvas.evaluate(PIXEL_STATS, list(INSIDE_WINDOWS))
    return stats


async def stored_camera(server: LiveServer, page: Page, camera_id: int) -> dict[str, Any]:
    token = await page_token(page)
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        response = await client.get(
            f"/api/v1/cameras/{camera_id}", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    camera: dict[str, Any] = response.json()
    return camera


def corner_at(box: dict[str, float], x: float, y: float) -> tuple[float, float]:
    return box["x"] + x * box["width"], box["y"] + y * box["height"]


async def test_operator_tests_a_camera_edits_a_zone_and_masks_a_window(
    tmp_path: Path, server: LiveServer, browser: Browser
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await register_and_log_in(page, server.url, screenshots=False)
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Cameras").click()
    form = page.locator("form", has=page.get_by_role("heading", name="Add a camera"))
    outcome = form.locator(".probe-outcome")
    test_button = form.get_by_role("button", name="Test connection")

    # a file outside the allowed folders: the test is refused at the URL field, as adding would be
    await form.get_by_label("Name").fill("Plaza")
    await form.get_by_label("Source").select_option("file")
    url = form.get_by_label("URL")
    await url.fill("/etc/hostname")
    await test_button.click()
    await expect(url).to_have_attribute("aria-invalid", "true")
    await expect(form.locator(".field-error")).to_contain_text("outside the folders allowed")
    await expect(outcome).to_have_text("Not tested: see the message at the URL field.")
    await expect(outcome).to_have_attribute("aria-live", "polite")

    # WebRTC: nothing to test before a browser publishes
    await form.get_by_label("Source").select_option("webrtc")
    await expect(test_button).to_be_disabled()
    await expect(form.get_by_text("A WebRTC camera is tested by publishing to it")).to_be_visible()

    # an RTSP port where nothing listens: refused, in words
    await form.get_by_label("Source").select_option("rtsp")
    await url.fill("rtsp://viewer:hunter2@127.0.0.1:9/live")
    await test_button.click()
    await expect(outcome.locator(".banner")).to_contain_text(
        "Not reachable: connection refused", timeout=10_000
    )
    await expect(outcome).not_to_contain_text("hunter2")
    await shot(page, "20-camera-test-refused")

    # the plaza video: reachable, its size, rate, codecs and sound, and its first frame
    await form.get_by_label("Source").select_option("file")
    await url.fill(str(plaza()))
    await expect(outcome).to_be_empty()  # a changed source makes the last answer stale
    await test_button.click()
    await expect(outcome.locator(".banner")).to_contain_text("Connected in", timeout=10_000)
    await expect(outcome).to_contain_text("768 × 576 · 10 fps · H.264")
    await expect(outcome).to_contain_text("sound: AAC, 48 kHz, mono")
    still = outcome.get_by_role("img", name="First frame from the source (768 × 576)")
    await expect(still).to_be_visible()
    size = await still.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [640, 480]
    await shot(page, "21-camera-test-ok")
    await form.get_by_role("button", name="Add camera").click()
    await expect(page.get_by_role("status")).to_have_text("Camera Plaza added.")
    row = page.locator(".camera-list li", has_text="Plaza")
    camera_id = int(await row.get_attribute("data-camera-id") or 0)

    # a zone drawn by clicks, saved, then edited
    await row.get_by_role("link", name="Plaza").click()
    canvas = page.locator("canvas.zones-canvas")
    await expect(canvas).to_have_attribute("data-has-frame", "true", timeout=20_000)
    await page.get_by_label("Freeze the picture").check()
    box = await canvas.bounding_box()
    assert box is not None
    for x, y in [(0.2, 0.4), (0.6, 0.4), (0.6, 0.8), (0.2, 0.8)]:
        await canvas.click(position={"x": x * box["width"], "y": y * box["height"]})
    await page.get_by_label("Zone name").fill("Crossing")
    await page.get_by_label("Zone name").press("Enter")
    await page.get_by_role("button", name="Save zones").click()
    await expect(page.get_by_text("Zones saved.")).to_be_visible()

    await page.get_by_role("button", name="Edit zone Crossing").click()
    await expect(canvas).to_have_attribute("data-selected-zone", "0")
    editor = page.locator("fieldset.zone-edit")
    await expect(editor.locator("legend")).to_have_text("Editing zone Crossing")
    # drag the second corner (0.6, 0.4) to (0.7, 0.3) with the mouse: pointer events
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()  # where the canvas is now (the page may have scrolled)
    assert box is not None
    start = corner_at(box, 0.6, 0.4)
    end = corner_at(box, 0.7, 0.3)
    await page.mouse.move(*start)
    await page.mouse.down()
    await page.mouse.move(*end, steps=6)
    await page.mouse.up()
    await expect(canvas).to_have_attribute("data-selected-corner", "1")
    await expect(editor.locator("output")).to_contain_text("Corner 2 of 4 at 0.70, 0.30")
    # the keyboard: 3 chooses the third corner (0.6, 0.8); Shift+Down moves it 0.1, Left twice 0.02 each
    await canvas.focus()
    await canvas.press("3")
    await canvas.press("Shift+ArrowDown")
    await canvas.press("ArrowLeft")
    await canvas.press("ArrowLeft")
    await expect(editor.locator("output")).to_contain_text("Corner 3 of 4 at 0.56, 0.90")
    # the fourth corner goes; a triangle cannot lose another
    await canvas.press("]")
    await expect(canvas).to_have_attribute("data-selected-corner", "3")
    await editor.get_by_role("button", name="Remove corner 4").click()
    await expect(editor.get_by_role("button", name="Remove corner 3")).to_be_disabled()
    await editor.get_by_label("Edited zone's name").fill("Gate crossing")
    await editor.get_by_label("Edited zone's kind").select_option("loiter")
    await editor.get_by_label("Edited zone's loiter seconds").fill("45")
    await expect(page.locator(".zone-list li.selected")).to_contain_text("Gate crossing3 corners · 45 s")
    await shot(page, "22-zone-editing")
    await page.get_by_role("button", name="Save zones").click()
    await expect(page.get_by_text("Zones saved.")).to_be_visible()
    zones = (await stored_camera(server, page, camera_id))["zones"]
    assert [(z["name"], z["kind"], z["loiter_s"]) for z in zones] == [("Gate crossing", "loiter", 45)]
    expected = [(0.2, 0.4), (0.7, 0.3), (0.56, 0.9)]
    for (x, y), (want_x, want_y) in zip(zones[0]["points"], expected, strict=True):
        assert abs(x - want_x) < 0.015, zones[0]["points"]
        assert abs(y - want_y) < 0.015, zones[0]["points"]

    # a privacy mask over the windows, drawn in the same editor
    await editor.get_by_role("button", name="Done editing").click()
    await expect(editor).to_have_count(0)
    for x, y in WINDOWS:
        await canvas.click(position={"x": max(1, x * box["width"]), "y": max(1, y * box["height"])})
    await page.get_by_label("Zone name").fill("Windows")
    await page.get_by_label("Zone kind").select_option("privacy")
    await page.get_by_role("button", name="Close zone").click()
    await expect(page.locator(".zone-list li", has_text="Windows")).to_contain_text("privacy mask")
    await page.get_by_role("button", name="Save zones").click()
    await expect(page.get_by_text("Zones saved.")).to_be_visible()
    await page.get_by_label("Freeze the picture").uncheck()
    await shot(page, "23-privacy-mask-drawn")
    stored = await stored_camera(server, page, camera_id)
    assert [z["kind"] for z in stored["zones"]] == ["loiter", "privacy"]

    # the live picture on the wall is black and flat there, and the scene elsewhere
    await page.get_by_role("link", name="Live").click()
    tile = page.locator(f'.tile[data-camera-id="{camera_id}"] canvas')
    await expect(tile).not_to_have_attribute("data-frames", "0", timeout=20_000)
    drawn = int(await tile.get_attribute("data-frames") or 0)
    await expect(tile).not_to_have_attribute("data-frames", str(drawn), timeout=10_000)  # a fresh frame
    stats = await canvas_stats(tile)
    assert stats["inside"]["mean"] < 12, stats
    assert stats["inside"]["std"] < 4, stats
    assert stats["below"]["std"] > 20, stats
    await shot(page, "24-privacy-mask-live")

    # the camera's page: the source can be tested and changed after creation
    await page.goto(f"{server.url}/cameras/{camera_id}")
    settings = page.locator("form", has=page.get_by_role("heading", name="Settings"))
    await expect(settings.get_by_label("URL")).to_have_value(str(plaza()))
    await settings.get_by_role("button", name="Test connection").click()
    settings_outcome = settings.locator(".probe-outcome")
    await expect(settings_outcome.locator(".banner")).to_contain_text("Connected in", timeout=10_000)
    settings_still = settings_outcome.get_by_role("img")
    await expect(settings_still).to_be_visible()
    still_stats = await settings_still.evaluate(
        """(img, [x1, y1, x2, y2]) => {
             const c = document.createElement('canvas');
             c.width = img.naturalWidth; c.height = img.naturalHeight;
             const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
             const d = ctx.getImageData(Math.round(x1 * c.width), Math.round(y1 * c.height),
               Math.round((x2 - x1) * c.width), Math.round((y2 - y1) * c.height)).data;
             let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
             return s / (d.length / 4) / 3;
           }""",
        list(INSIDE_WINDOWS),
    )
    assert still_stats < 12  # the test's still of this camera has its mask too
    await shot(page, "25-camera-page-test")
    other = scream_clip(tmp_path)
    await settings.get_by_label("URL").fill(str(other))
    await settings.get_by_role("button", name="Save settings").click()
    await expect(page.locator(".camera-source")).to_contain_text(str(other))
    assert (await stored_camera(server, page, camera_id))["url"] == str(other)

    # a phone: both pages fit 375 px, also with a test's answer and its still on the add form
    await page.set_viewport_size({"width": 375, "height": 812})
    await assert_fits_phone(page, server.url, f"/cameras/{camera_id}", "26-phone-camera-page")
    await page.get_by_role("button", name="Edit zone Gate crossing").click()
    await page.wait_for_timeout(200)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the zone editor is {width} px wide on a 375 px screen"
    await shot(page, "27-phone-zone-editing")
    await assert_fits_phone(page, server.url, "/cameras", "28-phone-cameras")
    form = page.locator("form", has=page.get_by_role("heading", name="Add a camera"))
    await form.get_by_label("Source").select_option("file")
    await form.get_by_label("URL").fill(str(plaza()))
    await form.get_by_role("button", name="Test connection").click()
    await expect(form.locator(".probe-outcome img")).to_be_visible(timeout=10_000)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the add form with a test's still is {width} px wide on a 375 px screen"
    await form.locator(".probe-outcome").scroll_into_view_if_needed()
    await shot(page, "29-phone-camera-test")
    await context.close()
    assert errors == []
