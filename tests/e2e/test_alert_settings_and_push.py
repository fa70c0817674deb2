"""The dashboard in Debian's chromium: an admin sets SMTP in Settings and a route's "Send a test alert"
reaches a real aiosmtpd; the dashboard is an installable PWA (chromium's own manifest and installability
checks, the service worker active); a Web Push subscription handed over by the dashboard receives an
incident through the local push service, and the service worker shows the pushed notification.

What chromium cannot do here: `pushManager.subscribe` registers with Google's push service (FCM), which is
off this machine, so the real call fails; the test records how it failed, then gives the page a
subscription of the local push service (made with the server's VAPID key, as FCM would) and lets the
dashboard's own code hand it to the server. Everything after that is real: the server encrypts and signs,
the local push service checks VAPID and decrypts, and chromium's service worker gets that payload through
DevTools' `ServiceWorker.deliverPushMessage` (what the browser does with a message from its push service).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, CDPSession, Page, async_playwright, expect

from tests.alerts.push_service import PushService
from tests.alerts.support import (
    LOOPBACK,
    MailSink,
    free_port,
    http_server,
    smtp_server,
    snapshot_jpeg,
    update,
)
from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS, add_camera, page_token, register_and_log_in, shot
from vigil.db.tables import Incident
from vigil.domain import Severity, UpdateKind
from vigil.incidents.alerting import IncidentAlerts

SENDER = "desk-bot@example.org"
GUARD = "guard@example.org"

SHOWN_NOTIFICATIONS = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
  .map(n => ({title: n.title, body: n.body, tag: n.tag, image: n.image, url: n.data && n.data.url}))"""
SERVER_KEY = """fetch('/api/v1/push/key',
  {headers: {Authorization: 'Bearer ' + localStorage.getItem('vigil.token')}})
  .then(r => r.json()).then(body => body.public_key)"""
REAL_SUBSCRIBE = """async (key) => {
  const raw = atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - key.length % 4) % 4));
  const bytes = Uint8Array.from(raw, c => c.charCodeAt(0));
  const r = await navigator.serviceWorker.ready;
  const waited = new Promise((resolve) => setTimeout(() => resolve(null), 8000));
  try {
    const s = await Promise.race([
      r.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: bytes}), waited]);
    if (s === null) return 'no answer within 8 s (the push service is unreachable)';
    const endpoint = s.endpoint;
    await s.unsubscribe();
    return 'subscribed at ' + endpoint;
  } catch (e) { return 'failed: ' + e.name + ': ' + e.message; }
}"""
# in place of the browser's registration at FCM: the local push service's subscription for the same key
STAND_IN_SUBSCRIBE = """(sub) => { PushManager.prototype.subscribe = async function (options) {
  if (!options || !options.userVisibleOnly || !options.applicationServerKey) throw new Error('bad options');
  return { endpoint: sub.endpoint, toJSON: () => sub, unsubscribe: async () => true };
}; }"""


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


@pytest.fixture
async def profile(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Chromium with a profile on disk: an incognito context is never installable ("in-incognito")."""
    if not CHROMIUM.is_file():
        pytest.fail("needs /usr/bin/chromium: scripts/ci/install-system-deps.sh")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        await context.close()


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    async with http_server(service.app()) as url:
        service.url = url
        yield service


async def test_admin_sets_smtp_in_settings_and_a_test_alert_reaches_aiosmtpd(
    dashboard_server: ServerFactory, browser: Browser, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    async with dashboard_server(smtp_sender=SENDER) as server:  # as if VIGIL_SMTP_SENDER were set
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await register_and_log_in(page, server.url, screenshots=False)  # the first account: an admin
        nav = page.get_by_role("navigation", name="Main")

        # before: e-mail is offered disabled, with what it needs, before anything is typed
        await nav.get_by_role("link", name="Alerts").click()
        await page.get_by_role("button", name="New route").click()
        form = page.locator("form.route-form")
        channel = form.get_by_label("Channel")
        await expect(channel.locator("option[value='email']")).to_be_disabled()
        await expect(form.locator(".channel-hint [data-channel='email']")).to_have_text(
            "E-mail: not configured: an administrator sets the SMTP server (VIGIL_SMTP_HOST) in Settings. "
        )
        await shot(page, "60-alerts-email-not-configured")
        await form.get_by_role("button", name="Cancel").click()

        # Settings: SMTP to the local aiosmtpd; the sender is the environment's, read-only
        await nav.get_by_role("link", name="Settings").click()
        await expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
        settings = page.get_by_role("form", name="Alert channels")
        sender = settings.get_by_label("From address")
        await expect(sender).to_be_disabled()
        await expect(sender).to_have_value(SENDER)
        await expect(
            settings.get_by_text("Set by the environment (VIGIL_SMTP_SENDER); change it there.")
        ).to_be_visible()
        await settings.get_by_label("SMTP server").fill("mail host")
        await settings.get_by_role("button", name="Save settings").click()
        host = settings.get_by_label("SMTP server")
        await expect(host).to_have_attribute("aria-invalid", "true")
        await expect(settings.locator(".field-error")).to_contain_text("a host name or an IP address")
        await host.fill("127.0.0.1")
        await settings.get_by_label("Port", exact=True).fill(str(port))
        await settings.get_by_label("Encryption").select_option("none")
        await settings.get_by_label("Password", exact=True).first.fill("relay-pa55word")
        await settings.get_by_role("button", name="Save settings").click()
        await expect(settings.get_by_role("status")).to_have_text(
            "Saved. The channels use the new settings now; no restart is needed."
        )
        password = settings.get_by_label("Password", exact=True).first
        await expect(password).to_have_value("")
        await expect(password).to_have_attribute("placeholder", "•••••••• (set)")
        await shot(page, "61-settings-smtp-saved")
        token = await page_token(page)
        assert "relay-pa55word" not in await page.content()

        # the route: e-mail is usable now; "Send a test alert" reaches aiosmtpd
        await nav.get_by_role("link", name="Alerts").click()
        await page.get_by_role("button", name="New route").click()
        await expect(channel.locator("option[value='email']")).to_be_enabled()
        await channel.select_option("email")
        await form.get_by_label("Name", exact=True).fill("Desk mail")
        await form.get_by_label("E-mail addresses").fill(GUARD)
        await form.get_by_role("button", name="Add route").click()
        route = page.locator(".route-list li", has_text="Desk mail")
        await route.get_by_role("button", name="Send a test alert").click()
        outcome = route.locator(".test-outcome")
        await expect(outcome).to_contain_text("Sent: ")
        await shot(page, "62-alerts-test-sent")
        assert len(sink.messages) == 1
        mail_received = sink.messages[0]
        assert mail_received["To"] == GUARD
        assert mail_received["From"] == SENDER
        assert "[Vigil] Test alert on Test" in mail_received["Subject"]
        assert token
        assert errors == []
        await context.close()


async def registration_id(cdp: CDPSession, origin: str) -> str:
    """The service worker registration of `origin`, as DevTools names it."""
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def seen(event: dict[str, Any]) -> None:
        for registration in event.get("registrations", []):
            if registration["scopeURL"].startswith(origin) and not found.done():
                found.set_result(registration["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    await cdp.send("ServiceWorker.enable")
    return await asyncio.wait_for(found, 10)


async def notifications(page: Page) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = await page.evaluate(SHOWN_NOTIFICATIONS)
    return shown


async def test_the_dashboard_is_an_installable_pwa_and_push_reaches_its_service_worker(
    dashboard_server: ServerFactory, profile: BrowserContext, push_service: PushService
) -> None:
    async with dashboard_server(outbound_allow_push=LOOPBACK) as server:
        context = profile
        await context.grant_permissions(["notifications"], origin=server.url)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await register_and_log_in(page, server.url, screenshots=False)

        # installable: chromium's manifest parser and installability check, with the worker active
        state = await page.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.active.state)")
        assert state in ("activating", "activated")
        cdp = await context.new_cdp_session(page)
        manifest = await cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{server.url}/manifest.webmanifest"
        assert manifest["errors"] == []
        parsed = json.loads(manifest["data"])
        assert parsed["display"] == "standalone"
        assert {icon["sizes"] for icon in parsed["icons"]} == {"192x192", "512x512"}
        assert any(icon.get("purpose") == "maskable" for icon in parsed["icons"])
        installability = await cdp.send("Page.getInstallabilityErrors")
        assert installability["installabilityErrors"] == []
        # the worker keeps the shell, never API answers
        cached = await page.evaluate(
            """async () => { const out = [];
                 for (const name of await caches.keys())
                   for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
                 return out; }"""
        )
        assert "/" in cached
        assert not [path for path in cached if path.startswith(("/api/", "/socket.io"))]

        # chromium's own subscription needs Google's push service, which is off this machine
        key: str = await page.evaluate(SERVER_KEY)
        real = await page.evaluate(REAL_SUBSCRIBE, key)
        print(f"chromium's own pushManager.subscribe here: {real}")

        # the local push service's subscription, made for the server's key, in place of FCM's
        browser_subscription = push_service.subscribe(key)
        await page.evaluate(STAND_IN_SUBSCRIBE, browser_subscription)
        nav = page.get_by_role("navigation", name="Main")
        await nav.get_by_role("link", name="Alerts").click()
        push = page.locator("section.device-push")
        await push.get_by_role("button", name="Turn on notifications on this device").click()
        await expect(push.get_by_role("status")).to_have_text("This device receives your notifications.")
        await expect(push.locator(".device-list li")).to_contain_text(
            f"Chromium on Linux (this one) via {push_service.url}"
        )

        # a "Push to my devices" route; its test alert goes through the push service
        await page.get_by_role("button", name="New route").click()
        form = page.locator("form.route-form")
        await form.get_by_label("Channel").select_option("webpush")
        await form.get_by_label("Name", exact=True).fill("My phone")
        await form.get_by_role("button", name="Add route").click()
        route = page.locator(".route-list li", has_text="My phone")
        await expect(route).to_contain_text("my devices with notifications on")
        await route.get_by_role("button", name="Send a test alert").click()
        await expect(route.locator(".test-outcome")).to_contain_text("Sent: pushed to 1 of 1 device(s)")
        await shot(page, "63-alerts-push-route-tested")
        assert push_service.refused == []
        assert push_service.received[0].payload["label"] == "test_alert"

        # an incident of the user's camera: the alert flow the recorder feeds, with the snapshot
        token = await page_token(page)
        camera_id = await add_camera(
            server.url,
            token,
            {"name": "Gate", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/gate", "enabled": False},
        )
        async with server.app.state.runtime.session_factory() as db:
            incident = Incident(
                camera_id=camera_id,
                label="fight",
                confidence=0.9,
                severity=Severity.HIGH,
                started_at=datetime.now(UTC),
                explanation={},
            )
            db.add(incident)
            await db.commit()
            await db.refresh(incident)
        assert incident.id is not None

        async def snapshot() -> bytes:
            return snapshot_jpeg()

        alerts: IncidentAlerts = server.app.state.runtime.incidents.alerts
        alerts.submit(
            update(
                UpdateKind.OPENED, camera_id=camera_id, incident_id=incident.id, label="fight", confidence=0.9
            ),
            incident.id,
            snapshot(),
        )
        await alerts.idle()
        await server.app.state.runtime.alerts.delivery.drain(15)
        assert len(push_service.received) == 2, push_service.refused
        payload = push_service.received[1].payload
        assert payload["title"] == "Vigil: Fight on Gate (90%)"
        assert str(payload["url"]).endswith(f"/incidents/{incident.id}")  # VIGIL_PUBLIC_URL's, else host:port
        assert str(payload["image"]).startswith("data:image/jpeg;base64,")

        # what the push service would hand chromium: its service worker shows it
        registration = await registration_id(cdp, server.url)
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server.url, "registrationId": registration, "data": json.dumps(payload)},
        )
        for _ in range(300):  # the worker may have been stopped while idle: it starts for the message
            shown = await notifications(page)
            if shown:
                break
            await asyncio.sleep(0.05)
        assert len(shown) == 1
        assert shown[0]["title"] == "Vigil: Fight on Gate (90%)"
        assert shown[0]["tag"] == f"vigil-incident-{incident.id}"
        assert shown[0]["url"] == payload["url"]
        assert shown[0]["image"].startswith("data:image/jpeg;base64,")
        assert errors == []
