"""The rules and alerts pages end to end: Debian's chromium against a real server (SQLite, the real models)
whose e-mail relay is a real aiosmtpd on loopback.

Rules: the editor shows the running rules; an error typed at a known line is underlined there and listed
("line N, column C: ..."), Save is refused with it, the running rules stay; fixed and saved, the history
lists the new version. Alerts: an e-mail route made through the form (a bad address and a channel the
server cannot send on are refused at their fields first); the scream's file camera opens a distress
incident, the delivery log shows the e-mail `delivered` to that address and aiosmtpd has it. Replay: the
incident's clip against the running rules → distress would have fired; against a draft where a scream
weighs too little → nothing would have fired. Leaving with an unsaved draft asks first. A 375 px phone:
both pages fit.

Needs a dashboard build (`VIGIL_E2E_DIST` or frontend/dist), /usr/bin/chromium, ffmpeg and ../shared/media.
Screenshots 40-49 go to test-output/e2e/.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from tests.alerts.support import MailSink, free_port, smtp_server, wait_until
from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import (
    EMAIL,
    PASSWORD,
    add_camera,
    assert_fits_phone,
    log_in,
    page_token,
    register_and_log_in,
    scream_clip,
    shot,
)

pytestmark = pytest.mark.slow

GUARD = "guard@example.org"
WATCHER = "watcher@example.org"
NEW_VERSION = "2026.12.2-e2e"
REPLAY_TIMEOUT_MS = 240_000  # every model over the 8 s clip, on a shared machine


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server (aiosmtpd) on loopback, the server's e-mail relay."""
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


def line_and_column(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """1-based line and column of `needle`'s first occurrence in `text`, `offset` characters into it."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


async def replace_in_editor(page: Page, find: str, replacement: str) -> None:
    """As a user would: the editor's search (Ctrl+F) selects the first match, typing replaces it."""
    await page.locator(".cm-content").click()
    await page.keyboard.press("Control+Home")
    await page.keyboard.press("Control+f")
    search = page.get_by_role("textbox", name="Find")
    await search.press_sequentially(find)  # the panel reads its query on key-up, not on a fill
    await search.press("Enter")
    await search.press("Escape")
    await expect(page.locator(".cm-search")).to_have_count(0)
    await page.keyboard.type(replacement)


async def api(url: str, token: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        answer = await client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


async def clip_of_distress(url: str, token: str, timeout_s: float = 90) -> int:
    """The distress incident's id once its clip is stored (cut after it closes and the post-roll)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for incident in (await api(url, token, "/incidents?label=distress"))["items"]:
            detail = await api(url, token, f"/incidents/{incident['id']}")
            if any(a["kind"] == "clip" for a in detail["artifacts"]):
                return int(incident["id"])
        await asyncio.sleep(1)
    raise AssertionError(f"no distress incident with a clip within {timeout_s} s")


async def test_admin_edits_rules_routes_alerts_and_replays_a_clip(
    tmp_path: Path, dashboard_server: ServerFactory, browser: Browser, mail: tuple[MailSink, int]
) -> None:
    sink, smtp_port = mail
    clip = scream_clip(tmp_path)
    settings = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_security": "none"}
    async with dashboard_server(**settings) as server:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await register_and_log_in(page, server.url, screenshots=False)  # the first account: an admin
        token = await page_token(page)
        running = await api(server.url, token, "/rules")
        assert running["source"] == "default"

        # ---- rules: the running rules in the editor; an error at a known line is marked there ----
        nav = page.get_by_role("navigation", name="Main")
        await nav.get_by_role("link", name="Rules").click()
        await expect(page.get_by_role("heading", name="Rules", exact=True)).to_be_visible()
        editor = page.locator(".cm-content")
        await expect(editor).to_have_attribute("aria-label", "Rule file (YAML)")
        await expect(editor).to_contain_text("violence:")  # the editor draws the lines in view
        check = page.locator(".check-status")
        await expect(check).to_contain_text(f"No problems: version {running['version']}")
        line, column = line_and_column(running["text"], "threshold: 0.5", len("threshold: "))
        await replace_in_editor(page, "threshold: 0.5", "threshold: high")
        problem = page.locator(".problem-list button.problem")
        await expect(problem).to_have_count(1)
        await expect(problem).to_contain_text(f"line {line}, column {column}: rules.violence.threshold")
        await expect(check).to_have_text("1 problem in the draft.")
        await problem.click()  # the cursor goes to the problem: its line is the active one, marked
        await expect(page.locator(".cm-lineNumbers .cm-activeLineGutter")).to_have_text(str(line))
        await expect(page.locator(".cm-activeLine .cm-lintRange-error")).to_have_text("high")
        await expect(page.locator(".cm-lint-marker-error")).to_have_count(1)
        await page.get_by_role("button", name="Save and run").click()
        await expect(page.get_by_role("alert")).to_contain_text("Not saved: the draft has 1 problem")
        await expect(problem).to_contain_text(f"line {line}, column {column}")
        assert (await api(server.url, token, "/rules"))["source"] == "default"  # nothing changed
        await shot(page, "40-rules-problem-at-its-line")

        await replace_in_editor(page, "threshold: high", "threshold: 0.5")
        await replace_in_editor(page, f'version: "{running["version"]}"', f'version: "{NEW_VERSION}"')
        await expect(check).to_contain_text(f"No problems: version {NEW_VERSION}")
        await expect(problem).to_have_count(0)
        await page.get_by_role("button", name="Save and run").click()
        await expect(page.get_by_role("status").filter(has_text="Saved.")).to_have_text(
            f"Saved. Version {NEW_VERSION} is running now."
        )
        saved = page.locator(f'.history-list li[data-version="{NEW_VERSION}"]')
        await expect(saved).to_contain_text("running")
        await expect(saved).to_contain_text(f"by {EMAIL}")
        assert (await api(server.url, token, "/rules"))["version"] == NEW_VERSION
        await shot(page, "41-rules-saved-history")

        # ---- alerts: a route through the form, each refusal at its field ----
        await nav.get_by_role("link", name="Alerts").click()
        await expect(page.get_by_text("No alert route yet.")).to_be_visible()
        await page.get_by_role("button", name="New route").click()
        form = page.locator("form.route-form")
        await form.get_by_label("Name", exact=True).fill("Desk mail")
        target = form.get_by_label("E-mail addresses")
        await target.fill("guard-at-example.org")
        await form.get_by_role("button", name="Add route").click()
        target_error = form.locator(".field-error")
        await expect(target_error).to_contain_text("an email route's target is one or more addresses")
        await expect(target).to_have_attribute("aria-invalid", "true")
        described = (await target.get_attribute("aria-describedby") or "").split()
        assert await target_error.get_attribute("id") in described
        await shot(page, "42-alerts-bad-address")
        # SMS is not configured on this server: offered disabled, the settings it needs said beside it
        channel = form.get_by_label("Channel")
        await expect(channel.locator("option[value='sms']")).to_be_disabled()
        await expect(channel.locator("option[value='sms']")).to_have_text("SMS (not configured)")
        await expect(form.locator(".channel-hint [data-channel='sms']")).to_contain_text(
            "VIGIL_TWILIO_ACCOUNT_SID"
        )
        await channel.select_option("email")
        await form.get_by_label("E-mail addresses").fill(GUARD)
        labels = form.get_by_role("group", name="Incident labels")
        await labels.get_by_role("radio", name="Only these:").check()
        await labels.get_by_role("checkbox", name="distress").check()
        await form.get_by_role("button", name="Add route").click()
        await expect(page.get_by_role("status").filter(has_text="Route Desk mail added.")).to_be_visible()
        route = page.locator(".route-list li", has_text="Desk mail")
        await expect(route).to_contain_text(GUARD)
        await expect(route).to_contain_text("distress")
        stored = (await api(server.url, token, "/alert-routes"))["items"]
        assert [(r["channel"], r["target"], r["labels"]) for r in stored] == [("email", GUARD, ["distress"])]
        await shot(page, "43-alerts-route-added")

        # ---- the scream: an incident, its e-mail delivered (the log says so, aiosmtpd has it) ----
        await add_camera(server.url, token, {"name": "Scream", "url": str(clip), "file_loop": False})
        rows = page.locator("table.deliveries tbody tr[data-status='delivered']", has_text=GUARD)
        delivered = rows.filter(has_text="opened")  # the closed incident's mail follows later
        await expect(delivered).to_have_count(1, timeout=60_000)
        await expect(delivered).to_contain_text("E-mail")
        await expect(delivered.locator(".badge")).to_have_text("delivered")
        distress = (await api(server.url, token, "/incidents?label=distress"))["items"]
        assert len(distress) == 1, distress
        await expect(delivered.get_by_role("link")).to_have_text(f"#{distress[0]['id']}")
        await wait_until(lambda: len(sink.messages) >= 1, 10, "the e-mail at aiosmtpd")
        assert all(envelope.rcpt_tos == [GUARD] for envelope in sink.envelopes)
        assert "Distress" in str(sink.messages[0]["Subject"])
        await shot(page, "44-alerts-delivered")
        # edit the route (the form comes back filled in), then delete it: its deliveries stay on record
        await route.get_by_role("button", name="Edit Desk mail").click()
        form = page.locator("form.route-form")
        await expect(form.get_by_label("E-mail addresses")).to_have_value(GUARD)
        await expect(form.get_by_role("checkbox", name="distress")).to_be_checked()
        await form.get_by_label("Minimum confidence %").fill("60")
        await form.get_by_role("button", name="Save route").click()
        await expect(page.get_by_role("status").filter(has_text="Route Desk mail saved.")).to_be_visible()
        await expect(route).to_contain_text("60% confidence")
        assert (await api(server.url, token, "/alert-routes"))["items"][0]["min_confidence"] == 0.6
        await route.get_by_role("button", name="Delete Desk mail").click()
        await route.get_by_role("button", name="Delete", exact=True).click()
        await expect(page.get_by_role("status").filter(has_text="Route Desk mail deleted.")).to_be_visible()
        await expect(page.get_by_text("No alert route yet.")).to_be_visible()
        await expect(delivered).to_have_count(1)

        # ---- replay the incident's clip: running rules → distress; a draft → nothing ----
        incident_id = await clip_of_distress(server.url, token)
        await nav.get_by_role("link", name="Rules").click()
        replay = page.locator("section.replay")
        incident = replay.get_by_label("Incident")
        await expect(incident.locator("option", has_text="distress · Scream")).to_have_count(
            1, timeout=30_000
        )
        await incident.select_option(str(incident_id))
        await replay.get_by_role("radio", name="The running rules", exact=True).check()
        await replay.get_by_role("button", name="Replay").click()
        await expect(replay.get_by_text("Replaying the clip through every model…")).to_be_visible()
        await shot(page, "45-replay-busy")
        findings = replay.locator(".replay-findings")
        await expect(findings).to_be_visible(timeout=REPLAY_TIMEOUT_MS)
        await shot(page, "46-replay-would-fire")
        await expect(findings.get_by_role("status")).to_contain_text(
            f"1 incident would have fired with the running rules (version {NEW_VERSION})"
        )
        item = findings.locator(".replay-item")
        await expect(item.locator(".replay-head strong")).to_have_text(["distress"])
        await expect(item).to_contain_text("in the clip")
        await expect(item).to_contain_text("confidence")
        await expect(item.locator(".term-name").first).to_have_text("audio.scream")
        await shot(page, "46-replay-would-fire")

        # typed without braces: the editor closes a typed "{" itself
        await replace_in_editor(page, "audio.scream, weight: 1.0", "audio.scream, weight: 0.1")
        await expect(check).to_contain_text(f"No problems: version {NEW_VERSION}")
        await replay.get_by_role("radio", name="The draft in the editor").check()
        await replay.get_by_role("button", name="Replay").click()
        await expect(findings.get_by_role("status")).to_have_text(
            f"Nothing would have fired with the draft (version {NEW_VERSION}). Open the replayed incident",
            timeout=REPLAY_TIMEOUT_MS,
        )
        await expect(findings.locator(".replay-item")).to_have_count(0)
        await shot(page, "47-replay-nothing")

        # leaving with an unsaved draft asks first; declining stays, revert and it goes
        asked: list[str] = []

        async def decline(dialog: Dialog) -> None:
            asked.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", decline)
        await nav.get_by_role("link", name="Alerts").click()
        await wait_until(lambda: len(asked) == 1, 5, "the unsaved-changes question")
        assert "unsaved changes" in asked[0]
        await expect(page.get_by_role("heading", name="Rules", exact=True)).to_be_visible()
        await page.get_by_role("button", name="Revert to the running rules").click()
        await expect(page.get_by_text("Unsaved changes.")).to_have_count(0)
        await nav.get_by_role("link", name="Alerts").click()
        await expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
        assert len(asked) == 1
        await context.close()

        # ---- a phone: both pages fit 375 px ----
        phone = await browser.new_context(
            viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
        )
        page = await phone.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        await log_in(page, server.url)
        await assert_fits_phone(page, server.url, "/rules", "48-phone-rules")
        await expect(page.locator(".cm-content")).to_contain_text("default fusion rules")
        await assert_fits_phone(page, server.url, "/alerts", "49-phone-alerts")
        await expect(page.locator("table.deliveries tbody tr[data-status='delivered']").first).to_be_visible()
        await phone.close()

        # ---- a viewer: the rules read-only (saying why), no route form ----
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            registered = await client.post(
                "/api/v1/auth/register", json={"email": WATCHER, "password": PASSWORD}
            )
        assert registered.status_code == 201, registered.text
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        await log_in(page, server.url, WATCHER)
        await page.goto(f"{server.url}/rules")
        await expect(page.get_by_text("only administrators can change them")).to_be_visible()
        await expect(page.locator(".cm-content")).to_have_attribute("aria-readonly", "true")
        await expect(page.get_by_role("button", name="Save and run")).to_have_count(0)
        await expect(page.get_by_role("heading", name="Saved versions")).to_have_count(0)
        await page.goto(f"{server.url}/alerts")
        await expect(page.get_by_text("Viewers cannot add alert routes")).to_be_visible()
        await expect(page.get_by_role("button", name="New route")).to_have_count(0)
        await expect(page.get_by_text("No alert sent yet.")).to_be_visible()  # not their camera's incidents
        await context.close()
        assert errors == []
