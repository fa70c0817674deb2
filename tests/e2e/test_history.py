"""The History page and the incidents page's timeline, end to end: Debian's chromium (in Paris time)
against a real server.

register → log in through the pages → two cameras added through the API (`enabled: false`: no pipeline
runs) → incidents with known labels, cameras and start times are inserted straight into the live server's
database through `server.app.state.runtime.session_factory` (test data only: real incidents need minutes of
video, and their times could not be chosen) → History shows the week's total, a heat-strip cell names its
hour's count, Day and Month change the numbers, a bar opens the incident list with that camera and the
same count, a cell opens that hour's incidents → the incidents page has one timeline mark per incident,
a quick range narrows it, a live incident (emitted through the server's socket hub) appears on it, and a
mark opens its incident. Then a 375 px phone: both pages fit. Screenshots 30-39 in test-output/e2e/.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import add_camera, page_token, register_and_log_in, shot
from tests.media import plaza
from tests.servers.live_server import LiveServer
from vigil.db import incidents as incident_repo
from vigil.db.tables import Incident
from vigil.domain import Severity

pytestmark = pytest.mark.slow

TZ = "Europe/Paris"
PARIS = ZoneInfo(TZ)


@dataclass(frozen=True)
class Seed:
    camera: str  # "gate" or "yard"
    label: str
    ago: timedelta
    minutes: float | None = 2  # None: still open
    severity: Severity = Severity.HIGH


def seeds(now: datetime) -> list[Seed]:
    """Day: 3 distress in one hour + 1 fall (4); week: + 2 distress on the yard, 1 intrusion (7); month:
    + 2 falls, 1 loitering (10); older than a month: 1 violence (never counted)."""
    hour_start = (now - timedelta(hours=2)).astimezone(PARIS).replace(minute=0, second=0, microsecond=0)
    recent = [hour_start + timedelta(minutes=m) for m in (5, 20, 35)]
    return [
        *(Seed("gate", "distress", now - at, severity=Severity.CRITICAL) for at in recent),
        Seed("gate", "fall", timedelta(hours=5), minutes=None, severity=Severity.MEDIUM),
        Seed("yard", "distress", timedelta(days=3, minutes=10)),
        Seed("yard", "distress", timedelta(days=3, minutes=40)),
        Seed("gate", "intrusion", timedelta(days=4), severity=Severity.LOW),
        Seed("gate", "fall", timedelta(days=12)),
        Seed("gate", "fall", timedelta(days=12, hours=3)),
        Seed("gate", "loitering", timedelta(days=20)),
        Seed("gate", "violence", timedelta(days=40)),
    ]


async def insert(server: LiveServer, camera_id: int, seed: Seed, now: datetime) -> int:
    started = now - seed.ago
    async with server.app.state.runtime.session_factory() as db:
        incident = await incident_repo.add(
            db,
            Incident(
                camera_id=camera_id,
                label=seed.label,
                confidence=0.8,
                severity=seed.severity,
                started_at=started,
                ended_at=None if seed.minutes is None else started + timedelta(minutes=seed.minutes),
                explanation={"summary": f"test data: {seed.label}"},
            ),
        )
    assert incident.id is not None
    return incident.id


def hour_name(label: str, hour: int, count: int) -> str:
    return f"{label}, {hour:02}:00-{hour + 1:02}:00: {count} incident{'' if count == 1 else 's'}"


async def total_text(page: Page) -> str:
    status = page.locator("p.history-total")
    await expect(status).not_to_have_text("Loading…")
    return await status.inner_text()


async def test_history_charts_and_the_incident_timeline(server: LiveServer, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=TZ)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await register_and_log_in(page, server.url, screenshots=False)

    # an empty history first
    await page.get_by_role("link", name="History").click()
    await expect(page.locator("p.history-total")).to_have_text("0 incidents in the last 7 days")
    await expect(page.get_by_text("so nothing to chart")).to_be_visible()
    await shot(page, "30-history-empty")

    token = await page_token(page)
    common = {"url": str(plaza()), "enabled": False}
    cameras = {
        "gate": await add_camera(server.url, token, {"name": "Gate", **common}),
        "yard": await add_camera(server.url, token, {"name": "Yard", **common}),
    }
    now = datetime.now(UTC)
    planted = seeds(now)
    ids = [await insert(server, cameras[s.camera], s, now) for s in planted]

    # the week (the default range): totals, per label, per camera, the heat strip by Paris hour
    await page.reload()
    await expect(page.locator("p.history-total")).to_have_text("7 incidents in the last 7 days")
    legend = page.get_by_role("list", name="Labels")
    await expect(legend.get_by_role("link")).to_have_text(["distress: 5", "fall: 1", "intrusion: 1"])
    await expect(page.get_by_role("list", name="Incidents per camera").get_by_role("link")).to_have_text(
        ["Gate: 5", "Yard: 2"]
    )
    distress_hours = Counter(
        (now - s.ago).astimezone(PARIS).hour
        for s in planted
        if s.label == "distress" and s.ago < timedelta(days=6)
    )
    busy_hour = (now - planted[0].ago).astimezone(PARIS).hour
    assert distress_hours[busy_hour] == 3
    await expect(page.get_by_role("link", name=hour_name("distress", busy_hour, 3))).to_be_visible()
    all_row = page.locator('table.heat tr[data-label="all"]')
    await expect(all_row.get_by_role("link", name=hour_name("all", busy_hour, 3))).to_have_text("3")
    quiet_hour = (busy_hour + 12) % 24
    if distress_hours[quiet_hour] == 0:
        await expect(page.get_by_text(hour_name("distress", quiet_hour, 0))).to_be_attached()
    assert len(await page.locator(".recharts-bar-rectangle").all()) > 0  # the charts drew bars
    await shot(page, "31-history-week")

    # Day and Month change the numbers (and the address keeps the range)
    await page.get_by_role("button", name="Day").click()
    await expect(page).to_have_url(re.compile(r"range=day"))
    await expect(page.locator("p.history-total")).to_have_text("4 incidents in the last 24 hours")
    await expect(legend.get_by_role("link")).to_have_text(["distress: 3", "fall: 1"])
    await shot(page, "32-history-day")
    await page.get_by_role("button", name="Month").click()
    await expect(page.locator("p.history-total")).to_have_text("10 incidents in the last 30 days")
    await expect(legend.get_by_role("link")).to_have_text(
        ["distress: 5", "fall: 3", "intrusion: 1", "loitering: 1"]
    )
    await shot(page, "33-history-month")
    await page.reload()  # the range is in the address
    await expect(page.locator("p.history-total")).to_have_text("10 incidents in the last 30 days")

    # the camera filter
    await page.get_by_role("combobox", name="Camera").select_option(label="Yard")
    await expect(page.locator("p.history-total")).to_have_text("2 incidents in the last 30 days on Yard")
    await page.get_by_role("combobox", name="Camera").select_option(label="All cameras")
    await expect(page.locator("p.history-total")).to_have_text("10 incidents in the last 30 days")

    # a bar of the camera chart opens the incident list with that camera and the same count
    await page.get_by_role("button", name="Week").click()
    await expect(page.locator("p.history-total")).to_have_text("7 incidents in the last 7 days")
    yard_bar = page.locator('[data-chart="by-camera"] .recharts-bar-rectangle').nth(1)
    await yard_bar.click()
    await expect(page.get_by_role("heading", name="Incidents")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"camera={cameras['yard']}"))
    await expect(page).not_to_have_url(re.compile(r"until="))  # the week runs up to now
    await expect(page.get_by_text("2 incidents", exact=True)).to_be_visible()
    await expect(page.get_by_label("Camera")).to_have_value(str(cameras["yard"]))
    await expect(page.locator("table.incidents tbody tr")).to_have_count(2)

    # a heat cell of the day opens that hour's incidents of that label
    await page.goto(f"{server.url}/history?range=day")
    await page.get_by_role("link", name=hour_name("distress", busy_hour, 3)).click()
    await expect(page).to_have_url(re.compile(r"label=distress"))
    await expect(page.get_by_text("3 incidents", exact=True)).to_be_visible()
    await expect(page.locator("table.incidents tbody tr", has_text="distress")).to_have_count(3)

    # the incidents page: a timeline mark per listed incident, each a link with a name
    menu = page.get_by_role("navigation", name="Main")
    await menu.get_by_role("link", name=re.compile(r"^Incidents")).click()  # named with the unread count
    await expect(page.get_by_text("11 incidents", exact=True)).to_be_visible()
    await expect(page.get_by_label("Label")).to_have_value("")  # the label filter of the link is gone
    marks = page.get_by_role("list", name="Incidents on the timeline").get_by_role("link")
    await expect(marks).to_have_count(11)
    await expect(marks.first).to_have_accessible_name(
        re.compile(r"^Violence, high severity, .+, lasted 2 min$")
    )
    await expect(page.locator(".timeline-mark.tl-open")).to_have_count(1)  # the fall still open
    await shot(page, "34-incidents-timeline")

    # a quick range sets From and narrows list and timeline
    await page.get_by_role("button", name="24 h").click()
    await expect(page).to_have_url(re.compile(r"since="))
    await expect(page.get_by_label("From")).not_to_have_value("")
    await expect(page.get_by_text("4 incidents", exact=True)).to_be_visible()
    await expect(marks).to_have_count(4)

    # a live incident appears on the timeline as it opens
    live_id = await insert(server, cameras["gate"], Seed("gate", "alarm", timedelta(0), minutes=None), now)
    await server.app.state.runtime.hub.emit_incident(
        cameras["gate"],
        "opened",
        {
            "incident_id": live_id,
            "camera_id": cameras["gate"],
            "label": "alarm",
            "severity": "high",
            "confidence": 0.8,
            "started_at": now.isoformat(),
            "ended_at": None,
            "summary": "test data: alarm",
        },
    )
    await expect(marks).to_have_count(5)
    live_mark = page.locator(f'.timeline-mark[data-incident-id="{live_id}"]')
    await expect(live_mark).to_have_accessible_name(re.compile(r"^Alarm, high severity, .+, ongoing$"))
    await shot(page, "35-incidents-timeline-live")

    # a mark is a link to its incident, reachable by keyboard
    distress_mark = page.locator(f'.timeline-mark[data-incident-id="{ids[0]}"]')
    await distress_mark.focus()
    await shot(page, "36-timeline-focus")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"/incidents/{ids[0]}$"))
    await expect(page.get_by_role("heading", name="distress")).to_be_visible()
    assert not errors, errors
    await context.close()

    # a phone: both pages fit 375 px and their charts shrink with it
    phone = await browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, timezone_id=TZ
    )
    mobile = await phone.new_page()
    await mobile.goto(f"{server.url}/login")
    await mobile.evaluate(f"localStorage.setItem('vigil.token', {token!r})")
    for path, name in [
        ("/history", "37-history-phone"),
        ("/history?range=day", "38-history-day-phone"),
        ("/incidents", "39-incidents-timeline-phone"),
    ]:
        await mobile.goto(f"{server.url}{path}")
        await mobile.wait_for_load_state("networkidle")
        if path.startswith("/history"):
            await expect(mobile.locator("p.history-total")).to_contain_text("incidents")
            chart = mobile.locator('[data-chart="over-time"] svg.recharts-surface').first
            box = await chart.bounding_box()
            assert box is not None
            assert box["width"] <= 375
        await mobile.wait_for_timeout(300)
        width = await mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px screen"
        await shot(mobile, name)
    await phone.close()
