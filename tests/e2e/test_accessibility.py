"""Every page of the dashboard through axe-core (axe-playwright-python bundles axe-core 4.12.1 and injects
it into the page: nothing is fetched) in Debian's chromium, at 1440 px and on a 375 px phone: no serious or
critical violation anywhere. Pages are scanned with content in them (a camera with zones, an incident with
its clip and explanation, the add form's question, the wall's group editor and focus layout) and as a
viewer without cameras; each page's title and the tab's icon are checked on the way, and the incident page's
fit on a phone. The register page tells the first account it becomes the administrator, and only on an
empty server.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import EMAIL, PASSWORD, add_camera, log_in, page_token, scream_clip, shot
from tests.servers.live_server import LiveServer
from vigil.db import incidents as incident_repo
from vigil.db.tables import Artifact, Incident
from vigil.domain import ArtifactKind, Severity

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 375, "height": 800}}
BLOCKING = ("serious", "critical")
VIEWER = "viewer@example.org"
AXE = Axe()

Prepare = Callable[[Page], Awaitable[None]]


async def nothing(page: Page) -> None:
    return None


async def scan(page: Page, where: str) -> list[str]:
    """The serious and critical violations on the page as it is now, one line per element."""
    results = await AXE.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = ", ".join(map(str, node["target"]))
            summary = node.get("failureSummary", "").replace("\n", " ")
            found.append(f"{where}: {violation['id']} ({violation['impact']}) at {target}: {summary}")
    return found


async def visit(page: Page, url: str, heading: str, title: str) -> None:
    await page.goto(url)
    await expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    await page.wait_for_load_state("networkidle")
    await expect(page).to_have_title(title)


def copy_clip(clip: Path, stored: Path) -> bytes:
    content = clip.read_bytes()
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(content)
    return content


async def seed_incident(server: LiveServer, camera_id: int, clip: Path) -> int:
    """An intrusion with its clip and an explanation that has a zone, a schedule and wall-clock times."""
    started = datetime.now(UTC) - timedelta(minutes=5)
    offset = started.timestamp() - 100
    explanation = {
        "rule": "intrusion",
        "rule_version": "2026.12.1",
        "score": 2.1,
        "threshold": 1,
        "schedule_factor": 1.0,
        "schedule": None,
        "wall_offset_s": offset,
        "summary": "intrusion v2026.12.1: score 2.10 / threshold 1 → confidence 0.77",
        "terms": [
            {
                "evidence": "object.person",
                "modality": "object",
                "read": "mean",
                "weight": 0.6,
                "value": 3.5,
                "contribution": 2.1,
                "evidence_items": [
                    {
                        "label": "person",
                        "score": 0.8,
                        "t_s": 100,
                        "end_s": 100,
                        "track_ids": [3],
                        "zone": "yard (closed 22:00–06:00)",
                        "zone_factor": 3.5,
                        "source": "",
                        "detail": "",
                    }
                ],
            },
            {
                "evidence": "audio.glass_break",
                "modality": "audio",
                "read": "max",
                "weight": -0.5,
                "value": 0,
                "contribution": 0,
                "evidence_items": [],
            },
        ],
    }
    async with server.app.state.runtime.session_factory() as db:
        incident = await incident_repo.add(
            db,
            Incident(
                camera_id=camera_id,
                label="intrusion",
                confidence=0.77,
                severity=Severity.HIGH,
                started_at=started,
                ended_at=started + timedelta(seconds=20),
                explanation=explanation,
            ),
        )
        assert incident.id is not None
        relative = f"incidents/{incident.id}/clip.mp4"
        content = await asyncio.to_thread(
            copy_clip, clip, server.app.state.runtime.settings.media_dir / relative
        )
        await incident_repo.add_artifact(
            db,
            Artifact(
                incident_id=incident.id,
                kind=ArtifactKind.CLIP,
                path=relative,
                media_type="video/mp4",
                bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            ),
        )
    return incident.id


async def open_question(page: Page) -> None:
    """The add form's question (the source was not tested)."""
    form = page.locator("form", has=page.get_by_role("heading", name="Add a camera"))
    await form.get_by_label("Name").fill("Door")
    await form.get_by_label("URL").fill("rtsp://127.0.0.1:9/door")
    await form.get_by_role("button", name="Add camera").click()
    await expect(form.get_by_role("alertdialog")).to_be_visible()


async def open_groups(page: Page) -> None:
    await page.get_by_text("Camera groups").click()
    await expect(page.get_by_role("heading", name="Save a group")).to_be_visible()


async def focus_layout(page: Page) -> None:
    await page.get_by_role("group", name="Layout").get_by_label("One large").check()
    await expect(page.locator(".focus-main .tile")).to_be_visible()


async def incident_fits(page: Page) -> None:
    """The incident page: its clip as wide as the page allows, its explanation readable without scrolling
    sideways (cards on a phone), each piece of evidence at its wall-clock time, in words."""
    clip = page.get_by_label("Incident clip")
    await expect(clip).to_be_visible()
    row = page.locator("table.terms tbody tr").first
    await expect(row).to_contain_text("Person 80% at ")
    await expect(row).to_contain_text("zone yard (closed 22:00–06:00) ×3.5")
    await expect(row.locator(".term-sum")).to_have_text("3.50 × 0.6 × 1 = 2.10")
    viewport = page.viewport_size
    assert viewport is not None
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], (
        f"the incident page is {width} px wide on a {viewport['width']} px screen"
    )
    table = page.locator(".table-scroll")
    overflow = await table.evaluate("t => t.scrollWidth - t.clientWidth")
    assert overflow <= 1, f"the explanation scrolls {overflow} px sideways"
    if viewport["width"] <= 400:
        box = await clip.bounding_box()
        assert box is not None
        assert box["width"] >= viewport["width"] - 2 * 12 - 1, f"the clip is {box['width']} px wide"
        assert await row.evaluate("r => getComputedStyle(r).display") == "block"  # a card per row
    await shot(page, f"98-incident-{viewport['width']}")


async def zones_on(page: Page) -> None:
    await page.get_by_role("button", name="Zones of Gate").click()


async def test_every_page_has_no_serious_accessibility_violation(
    tmp_path: Path, server: LiveServer, browser: Browser
) -> None:
    found: list[str] = []
    # an empty server: the first account will be the administrator
    context = await browser.new_context(viewport=VIEWPORTS["desktop"])  # type: ignore[arg-type]
    page = await context.new_page()
    await visit(page, f"{server.url}/register", "Create a Vigil account", "Create an account · Vigil")
    await expect(page.get_by_test_id("first-account")).to_have_text(
        "This server has no account yet: yours will be its administrator."
    )
    found += await scan(page, "desktop /register (empty server)")
    async with httpx.AsyncClient(base_url=server.url) as client:
        for email in (EMAIL, VIEWER):
            made = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
            assert made.status_code == 201, made.text
    await page.reload()
    await expect(page.get_by_test_id("first-account")).to_contain_text("starts as a viewer")
    # the tab's icon is served
    icon = await page.evaluate("document.querySelector('link[rel=icon]').href")
    served = await page.request.get(icon)
    assert served.ok, icon
    assert served.headers["content-type"] == "image/png"
    await log_in(page, server.url)
    camera_id = await add_camera(
        server.url,
        await page_token(page),
        {
            "name": "Gate",
            "kind": "rtsp",
            "url": "rtsp://127.0.0.1:9/gate",
            "enabled": False,
            "zones": [
                {"name": "yard", "kind": "restricted", "points": [[0.1, 0.5], [0.6, 0.5], [0.6, 0.9]]},
                {"name": "windows", "kind": "privacy", "points": [[0.4, 0], [0.8, 0], [0.8, 0.2]]},
            ],
        },
    )
    incident_id = await seed_incident(server, camera_id, scream_clip(tmp_path))
    await context.close()

    pages: list[tuple[str, str, str, list[tuple[str, Prepare]]]] = [
        ("/", "Live", "Live · Vigil", [("", nothing), ("groups", open_groups), ("focus", focus_layout)]),
        ("/incidents", "Incidents", "Incidents · Vigil", [("", nothing)]),
        (
            f"/incidents/{incident_id}",
            "Intrusion",
            "Intrusion on Gate · Incidents · Vigil",
            [("", incident_fits)],
        ),
        ("/history", "History", "History · Vigil", [("", nothing)]),
        ("/cameras", "Cameras", "Cameras · Vigil", [("", nothing), ("question", open_question)]),
        (f"/cameras/{camera_id}", "Gate", "Gate · Cameras · Vigil", [("", nothing)]),
        ("/rules", "Rules", "Rules · Vigil", [("", nothing)]),
        ("/alerts", "Alerts", "Alerts · Vigil", [("", nothing)]),
        ("/publish", "Use this device as a camera", "Use as camera · Vigil", [("", nothing)]),
        ("/users", "Users", "Users · Vigil", [("", nothing)]),
        ("/settings", "Settings", "Settings · Vigil", [("", nothing)]),
        ("/no-such-page", "Not found", "Not found · Vigil", [("", nothing)]),
    ]
    for name, viewport in VIEWPORTS.items():
        context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        page = await context.new_page()
        for path, heading, title in (
            ("/login", "Log in to Vigil", "Log in · Vigil"),
            ("/register", "Create a Vigil account", "Create an account · Vigil"),
        ):
            await visit(page, f"{server.url}{path}", heading, title)
            found += await scan(page, f"{name} {path}")

        await log_in(page, server.url)
        for path, heading, title, states in pages:
            for state, prepare in states:
                await visit(page, f"{server.url}{path}", heading, title)
                await prepare(page)
                found += await scan(page, f"{name} {path} {state}".rstrip())
        # the wall again, its tile showing its zones
        await visit(page, server.url, "Live", "Live · Vigil")
        await page.get_by_role("group", name="Layout").get_by_label("Auto").check()
        await zones_on(page)
        found += await scan(page, f"{name} / zones")

        # a viewer without cameras: told to ask an administrator, and offered no add form
        await page.get_by_role("button", name="Log out").click()
        await expect(page.get_by_role("heading", name="Log in to Vigil")).to_be_visible()
        await log_in(page, server.url, VIEWER)
        await expect(page.get_by_test_id("no-camera")).to_contain_text(
            "Ask an administrator to share a camera with you"
        )
        found += await scan(page, f"{name} / (viewer)")
        await visit(page, f"{server.url}/cameras", "Cameras", "Cameras · Vigil")
        await expect(page.get_by_test_id("no-camera")).to_contain_text(
            "Ask an administrator to share a camera with you"
        )
        await expect(page.get_by_role("heading", name="Add a camera")).to_have_count(0)
        found += await scan(page, f"{name} /cameras (viewer)")
        await context.close()
    assert found == [], "serious or critical accessibility violations:\n" + "\n".join(found)
