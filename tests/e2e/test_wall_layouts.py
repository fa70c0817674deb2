"""The live wall's layouts, groups and zones in Debian's chromium against a real server: the number of
columns sets a tile's size, the focus layout shows one camera large over a strip of the others (and any of
them can be made the large one), the choice survives a reload, a named group shows only its cameras, and a
camera's saved zone is drawn over its live picture at the tile's switch (its pixels read back from the
canvas). Screenshots 90-95 go to test-output/e2e/.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.helpers import EMAIL, PASSWORD, add_camera, log_in, page_token, shot
from tests.media import plaza
from tests.servers.live_server import LiveServer

pytestmark = pytest.mark.slow

# over the building's windows at the top of the plaza: a still part of the picture (nobody walks there)
WINDOWS = [[0.4, 0.0], [0.8, 0.0], [0.8, 0.2], [0.4, 0.2]]
# inside the zone, below its name tag (drawn by its top-left corner)
SAMPLE = (0.45, 0.08, 0.78, 0.18)

REDNESS = """(canvas, [x1, y1, x2, y2]) => {
  const [w, h] = [canvas.width, canvas.height];
  const data = canvas.getContext('2d').getImageData(
    Math.round(x1 * w), Math.round(y1 * h), Math.round((x2 - x1) * w), Math.round((y2 - y1) * h)).data;
  let red = 0, green = 0;
  for (let i = 0; i < data.length; i += 4) { red += data[i]; green += data[i + 1]; }
  return (red - green) / (data.length / 4);
}"""


async def redness(canvas: Locator) -> float:
    value: float = await canvas.evaluate(REDNESS, list(SAMPLE))
    return value


async def tile_width(page: Page, camera_id: int) -> float:
    box = await page.locator(f'.tile[data-camera-id="{camera_id}"]').bounding_box()
    assert box is not None
    return box["width"]


async def frames_after(canvas: Locator, at_least: int) -> None:
    """Wait until the canvas has drawn more than `at_least` frames."""
    await canvas.page.wait_for_function(
        "([c, n]) => Number(c.dataset.frames) > n",
        arg=[await canvas.element_handle(), at_least],
        timeout=20_000,
    )


async def test_layouts_groups_and_zones_on_the_wall(server: LiveServer, browser: Browser) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await log_in(page, server.url)
    token = await page_token(page)
    plaza_id = await add_camera(
        server.url,
        token,
        {
            "name": "Plaza",
            "url": str(plaza()),
            "analysis_fps": 1,
            "zones": [{"name": "Windows", "kind": "restricted", "points": WINDOWS}],
        },
    )
    # three more cameras, switched off: tiles to arrange, without more decoding on this machine
    others = [
        await add_camera(
            server.url,
            token,
            {"name": f"Gate {n}", "kind": "rtsp", "url": f"rtsp://127.0.0.1:9/{n}", "enabled": False},
        )
        for n in (1, 2, 3)
    ]
    await page.reload()
    await expect(page.locator(".tile")).to_have_count(4)
    layout = page.get_by_role("group", name="Layout")

    # columns: one column gives the widest tiles, four the narrowest, four in a row
    await layout.get_by_label("1 column").check()
    one = await tile_width(page, plaza_id)
    await layout.get_by_label("4 columns").check()
    four = await tile_width(page, plaza_id)
    assert four < one / 3.5, f"a tile is {four:.0f} px wide in four columns, {one:.0f} px in one"
    tops = {round((await page.locator(".tile").nth(i).bounding_box() or {"y": -1})["y"]) for i in range(4)}
    assert len(tops) == 1, f"four columns put the four tiles on rows at {sorted(tops)}"
    await layout.get_by_label("2 columns").check()
    two = await tile_width(page, plaza_id)
    assert four < two < one
    await shot(page, "90-wall-two-columns")

    # focus: one camera large, the others in a strip; another one is made the large one
    await layout.get_by_label("One large").check()
    large = page.locator(".focus-main .tile")
    await expect(large).to_have_attribute("data-camera-id", str(plaza_id))
    strip = page.get_by_role("list", name="Other cameras")
    await expect(strip.locator(".tile")).to_have_count(3)
    assert await tile_width(page, plaza_id) > 2.5 * await tile_width(page, others[0])
    await strip.get_by_role("button", name="Show large Gate 2").click()
    await expect(large).to_have_attribute("data-camera-id", str(others[1]))
    await expect(strip.locator(f'.tile[data-camera-id="{plaza_id}"]')).to_be_visible()
    await shot(page, "91-wall-focus")

    # the choice is this user's, kept in this browser: a reload keeps it
    await page.reload()
    await expect(page.get_by_role("group", name="Layout").get_by_label("One large")).to_be_checked()
    await expect(large).to_have_attribute("data-camera-id", str(others[1]))

    # a group of two cameras: the wall shows those two only, "All cameras" all four again
    await page.get_by_role("group", name="Layout").get_by_label("3 columns").check()
    await page.get_by_text("Camera groups").click()
    editor = page.locator("form", has=page.get_by_role("heading", name="Save a group"))
    await editor.get_by_role("button", name="Save group").click()
    await expect(editor.get_by_role("alert")).to_have_text("Give the group a name.")
    await editor.get_by_label("Group name").fill("Gates")
    await expect(editor.get_by_role("alert")).to_have_count(0)  # an edit clears the stale message
    await editor.get_by_label("Gate 1").check()
    await editor.get_by_label("Gate 3").check()
    await editor.get_by_role("button", name="Save group").click()
    await expect(editor.get_by_role("status")).to_have_text("Group Gates saved and shown.")
    await expect(page.locator(".wall .tile")).to_have_count(2)
    shown = {await t.get_attribute("data-camera-id") for t in await page.locator(".wall .tile").all()}
    assert shown == {str(others[0]), str(others[2])}
    await shot(page, "92-wall-group")
    await page.get_by_label("Cameras shown").select_option(label="All cameras")
    await expect(page.locator(".wall .tile")).to_have_count(4)

    # the plaza's saved zone over its live picture, at the tile's switch: the picture turns red inside it
    canvas = page.locator(f'.tile[data-camera-id="{plaza_id}"] canvas')
    await frames_after(canvas, 0)
    before = await redness(canvas)
    switch = page.get_by_role("button", name="Zones of Plaza")
    await expect(switch).to_have_attribute("aria-pressed", "false")
    await switch.click()
    await expect(switch).to_have_attribute("aria-pressed", "true")
    await expect(canvas).to_have_attribute("data-zones", "1")
    drawn = int(await canvas.get_attribute("data-frames") or 0)
    await frames_after(canvas, drawn + 1)  # a frame drawn since the switch
    after = await redness(canvas)
    assert after > before + 15, f"inside the zone red − green went from {before:.1f} to {after:.1f}"
    await shot(page, "93-wall-zones")
    # the enlarged tile keeps the switch and the zone
    await page.get_by_role("button", name="Enlarge Plaza").click()
    await expect(switch).to_be_visible()
    drawn = int(await canvas.get_attribute("data-frames") or 0)
    await frames_after(canvas, drawn + 1)
    assert await redness(canvas) > before + 15
    await shot(page, "94-wall-zones-enlarged")
    await page.keyboard.press("Escape")
    await switch.click()
    await expect(canvas).to_have_attribute("data-zones", "0")
    drawn = int(await canvas.get_attribute("data-frames") or 0)
    await frames_after(canvas, drawn + 1)
    assert await redness(canvas) < before + 8  # switched off, the picture is the camera's again

    # a phone: four columns become two, so a tile stays a useful size
    await page.set_viewport_size({"width": 375, "height": 800})
    await page.get_by_role("group", name="Layout").get_by_label("4 columns").check()
    assert await tile_width(page, plaza_id) > 150
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the wall is {width} px wide on a 375 px screen"
    await shot(page, "95-phone-wall-four")
    await context.close()
    assert errors == []
