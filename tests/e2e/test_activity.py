"""A camera's activity beside its baseline, end to end: Debian's chromium against a real server whose
anomaly settings are shrunk (one-minute slots, three days to learn, UTC).

The world (owner, a viewer and an operator sharing one camera) is made through the server's database as the
API tests make it; a week of nights is fed straight into the running recorder
(`server.app.state.runtime.incidents.observe`, as tests/anomaly does: real activity needs days of video),
on days a week or more ahead so the recorder's clock never closes their slots early. Then, through the
pages: "Learning, 2 of 3 days" and the day's empty state; after enough quiet nights and a crowd at 03:00,
the People chart marks the crowd's slots as unusual (its table row says so); the anomaly incident's
"Mark as normal" confirms what the baseline took in and the incident shows resolved; a viewer gets neither
"Mark as normal" nor "Reset baseline"; the owner resets the baseline and learning starts over. On the way,
axe-core finds no serious violation on the charts and the incident page, and a phone fits the charts.
Screenshots 80-86 in test-output/e2e/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axe_playwright_python.async_playwright import Axe
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlmodel import col, select

from tests.anomaly.nights import MONDAY, feed, night
from tests.conftest import world_over_http
from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import shot
from vigil.db.tables import Incident

pytestmark = pytest.mark.slow

MIN_DAYS = 3
AXE = Axe()


async def anomaly_ids(app: FastAPI, camera_id: int) -> list[int]:
    async with app.state.runtime.session_factory() as db:
        query = select(Incident.id).where(
            col(Incident.camera_id) == camera_id, col(Incident.label) == "anomaly"
        )
        return [i for i in (await db.scalars(query)).all() if i is not None]


async def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (as test_accessibility.py)."""
    results = await AXE.run(page)
    return [
        f"{violation['id']} at {', '.join(map(str, node['target']))}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
        for node in violation["nodes"]
    ]


def day_of(day: int) -> str:
    return (MONDAY + timedelta(days=day)).date().isoformat()


async def signed_in(
    browser: Browser, url: str, token: str, phone: bool = False
) -> tuple[BrowserContext, Page, list[str]]:
    size = {"width": 375, "height": 812} if phone else {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=size, is_mobile=phone, has_touch=phone, timezone_id="UTC")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{url}/login")
    await page.evaluate(f"localStorage.setItem('vigil.token', {token!r})")
    return context, page, errors


async def show_day(page: Page, day: int) -> None:
    await page.get_by_label("Day shown").fill(day_of(day))
    await expect(page.get_by_label("Day shown")).to_have_value(day_of(day))


async def test_activity_beside_the_baseline_mark_normal_and_reset(
    dashboard_server: ServerFactory, browser: Browser
) -> None:
    async with (
        dashboard_server(
            anomaly_slot_s=60, anomaly_min_days=MIN_DAYS, timezone="UTC", speech_enabled=False
        ) as server,
        world_over_http(server.app, server.url) as world,
    ):
        app, camera = server.app, world.camera_id
        camera_page = f"{server.url}/cameras/{camera}"
        for day in range(MIN_DAYS - 1):
            await feed(app, night(camera, day, people=0))

        context, page, errors = await signed_in(browser, server.url, world["owner"].token)
        await page.goto(camera_page)
        await expect(page.get_by_role("heading", name="Activity")).to_be_visible()
        status = page.locator(".activity-status")
        await expect(status).to_have_role("status")
        await expect(status).to_have_text(f"Learning, 2 of {MIN_DAYS} days")
        await expect(page.get_by_text(re.compile(r"^No activity recorded on .+ yet"))).to_be_visible()
        await shot(page, "80-activity-learning")

        # a learned night on the chart: a People panel with its band and points, no unusual slot
        await show_day(page, 1)
        people = page.locator('section[data-measure="people"]')
        await expect(people.get_by_role("heading", name="People in view (people)")).to_be_visible()
        await expect(people.get_by_text(re.compile(r"^\d+ slots seen, nothing unusual\.$"))).to_be_visible()
        await expect(page.get_by_text(re.compile(r"^No activity recorded"))).to_have_count(0)

        # enough quiet nights, then a crowd at 03:00 on the same weekday a week after the last one
        for day in range(MIN_DAYS - 1, MIN_DAYS + 2):
            await feed(app, night(camera, day, people=0))
        crowd_day = MIN_DAYS + 1 + 7
        await feed(app, night(camera, crowd_day, people=7))
        found = await anomaly_ids(app, camera)
        assert len(found) == 1, found

        await page.reload()
        await expect(status).to_have_text(re.compile(r"^Baseline from \d+ days$"))
        await show_day(page, crowd_day)
        await expect(
            people.get_by_text(re.compile(r"^\d+ slots seen, \d+ unusual slots?\.$"))
        ).to_be_visible()
        assert await people.locator('path[data-unusual="high"]').count() > 0  # marked on the chart
        await people.get_by_text("People in view (people) as a table").click()
        unusual = people.get_by_role("row").filter(has_text="unusual: more than expected")
        await expect(unusual.first).to_be_visible()
        await expect(unusual.first).to_contain_text("03:0")
        await expect(unusual.first).to_contain_text("7 people")
        await expect(people.get_by_role("row", name=re.compile(r"^03:00–04:00 "))).to_be_visible()
        await shot(page, "81-activity-crowd-night")
        assert await blocking_violations(page) == []

        # the anomaly incident: marked as normal by the owner, it reads resolved
        incident_page = f"{server.url}/incidents/{found[0]}"
        await page.goto(incident_page)
        await expect(page.get_by_role("heading", level=1)).to_contain_text("anomaly")
        await expect(page.get_by_text("will no longer raise an incident")).to_be_visible()
        findings = page.get_by_role("region", name="What was unusual").get_by_role("listitem")
        await expect(findings.filter(has_text="people in view")).to_contain_text(
            re.compile(r"expected .+ days")
        )
        await shot(page, "82-anomaly-incident")
        await page.get_by_role("button", name="Mark as normal").click()
        await expect(page.get_by_role("status").filter(has_text="Marked as normal")).to_have_text(
            re.compile(r"^Marked as normal: the baseline took in \d+ measures?$")
        )
        await expect(page.get_by_role("heading", level=1)).to_contain_text("resolved")
        await expect(page.get_by_role("button", name="Mark as normal")).to_be_disabled()
        await shot(page, "83-anomaly-marked-normal")
        assert await blocking_violations(page) == []

        # the night marked normal: its slots no longer read unusual on the chart
        await page.goto(camera_page)
        await show_day(page, crowd_day)
        await expect(people.get_by_text(re.compile(r"^\d+ slots seen, nothing unusual\.$"))).to_be_visible()
        assert await people.locator("path[data-unusual]").count() == 0

        # a viewer of the camera: charts and status, but neither Mark as normal nor Reset baseline
        v_context, viewer, viewer_errors = await signed_in(browser, server.url, world["viewer"].token)
        await viewer.goto(camera_page)
        await expect(viewer.locator(".activity-status")).to_have_text(re.compile(r"^Baseline from \d+ days$"))
        await expect(viewer.get_by_role("button", name=re.compile("Previous day"))).to_be_visible()
        await expect(viewer.get_by_role("button", name=re.compile("Reset baseline"))).to_have_count(0)
        await viewer.goto(incident_page)
        await expect(viewer.get_by_role("heading", level=1)).to_contain_text("anomaly")
        await expect(viewer.get_by_role("button", name="Acknowledge")).to_be_visible()
        await expect(viewer.get_by_role("button", name="Mark as normal")).to_have_count(0)
        await shot(viewer, "84-activity-viewer")
        assert not viewer_errors, viewer_errors
        await v_context.close()

        # on a phone the charts and an opened table fit 375 px
        p_context, phone, phone_errors = await signed_in(
            browser, server.url, world["viewer"].token, phone=True
        )
        await phone.goto(camera_page)
        await show_day(phone, crowd_day)
        phone_people = phone.locator('section[data-measure="people"]')
        await phone_people.get_by_text("People in view (people) as a table").click()
        await expect(phone_people.get_by_role("row").filter(has_text="7 people").first).to_be_visible()
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the camera page is {width} px wide on a 375 px screen"
        await shot(phone, "86-activity-phone")
        assert not phone_errors, phone_errors
        await p_context.close()

        # the owner resets the baseline, after a confirmation: learning starts over
        await page.goto(camera_page)
        await expect(status).to_have_text(re.compile(r"^Baseline from"))
        await page.get_by_role("button", name=re.compile("Reset baseline")).click()
        dialog = page.get_by_role("alertdialog", name="Confirm baseline reset")
        await expect(dialog).to_be_visible()
        await dialog.get_by_role("button", name="Yes, reset the baseline").click()
        await expect(status).to_have_text(f"Learning, 0 of {MIN_DAYS} days")
        await shot(page, "85-activity-reset")
        assert not errors, errors
        await context.close()
