"""Channel settings from the dashboard over the API: admins only, secrets write-only, the environment wins,
bad input named at its field; a change takes effect without a restart (a test alert reaches a real
aiosmtpd); which channels can send and why not; test alerts (owner or admin, rate-limited); Web Push
subscriptions and an incident's notification decrypted by the local push service."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

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
from tests.conftest import World, build_world, make_settings
from vigil.api.app import create_app
from vigil.domain import UpdateKind
from vigil.incidents.alerting import IncidentAlerts
from vigil.settings import Settings

SETTINGS = "/api/v1/settings/alerts"
CHANNELS = "/api/v1/alert-channels"
ROUTES = "/api/v1/alert-routes"
PUSH = "/api/v1/push"
SMTP_PASSWORD = "stored-smtp-pa55word"
ENV_TWILIO_FROM = "+15550001111"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        twilio_from=ENV_TWILIO_FROM,  # as if VIGIL_TWILIO_FROM were set: it wins
        public_url="https://vigil.example",
        outbound_allow_push=LOOPBACK,  # the local push service listens on loopback
    )


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


@pytest.fixture
async def push_service() -> AsyncIterator[PushService]:
    service = PushService()
    async with http_server(service.app()) as url:
        service.url = url
        yield service


def field(body: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in body["fields"] if f["name"] == name)
    return found


async def patch(world: World, actor: str, body: dict[str, Any]) -> Any:
    return await world.client.patch(SETTINGS, json=body, headers=world[actor].headers)


async def channels(world: World, actor: str) -> dict[str, dict[str, Any]]:
    response = await world.client.get(CHANNELS, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    return {c["kind"]: c for c in response.json()}


async def test_only_admins_read_or_change_settings(world: World) -> None:
    for actor in ("owner", "viewer"):
        assert (await world.client.get(SETTINGS, headers=world[actor].headers)).status_code == 403
        assert (await patch(world, actor, {"smtp_host": "127.0.0.1"})).status_code == 403
    assert (await world.client.get(SETTINGS, headers=world["admin"].headers)).status_code == 200


async def test_secrets_are_write_only_and_the_environment_wins(world: World) -> None:
    response = await patch(
        world, "admin", {"smtp_host": "mail.example.org", "smtp_port": 2525, "smtp_password": SMTP_PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert SMTP_PASSWORD not in response.text
    got = await world.client.get(SETTINGS, headers=world["admin"].headers)
    assert SMTP_PASSWORD not in got.text
    body = got.json()
    assert field(body, "smtp_host") == {
        "name": "smtp_host",
        "env": "VIGIL_SMTP_HOST",
        "secret": False,
        "value": "mail.example.org",
        "set": True,
        "source": "dashboard",
    }
    assert field(body, "smtp_port")["value"] == 2525
    assert field(body, "smtp_password") == {
        "name": "smtp_password",
        "env": "VIGIL_SMTP_PASSWORD",
        "secret": True,
        "value": None,
        "set": True,
        "source": "dashboard",
    }
    assert field(body, "twilio_auth_token")["set"] is False
    assert field(body, "twilio_from") == {
        "name": "twilio_from",
        "env": "VIGIL_TWILIO_FROM",
        "secret": False,
        "value": ENV_TWILIO_FROM,
        "set": True,
        "source": "environment",
    }
    assert body["updated_by"] == "admin@example.com"
    refused = await patch(world, "admin", {"twilio_from": "+15559990000"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "twilio_from"]
    assert "set by the environment (VIGIL_TWILIO_FROM)" in refused.json()["detail"][0]["msg"]
    # an empty secret removes it; an absent one keeps it
    assert (await patch(world, "admin", {"smtp_username": "mailer"})).status_code == 200
    kept = (await world.client.get(SETTINGS, headers=world["admin"].headers)).json()
    assert field(kept, "smtp_password")["set"] is True
    cleared = (await patch(world, "admin", {"smtp_password": ""})).json()
    assert field(cleared, "smtp_password")["set"] is False
    assert field(cleared, "smtp_password")["source"] == "default"


@pytest.mark.parametrize(
    ("body", "field_name", "words"),
    [
        ({"smtp_host": "mail.example.org\r\nRCPT TO:<x@y>"}, "smtp_host", "control character"),
        ({"smtp_host": "mail example org"}, "smtp_host", "a host name or an IP address"),
        ({"smtp_host": "169.254.169.254"}, "smtp_host", "link-local"),
        ({"smtp_port": 70000}, "smtp_port", "a TCP port from 1 to 65535"),
        ({"smtp_port": 0}, "smtp_port", "a TCP port from 1 to 65535"),
        ({"smtp_security": "tls13"}, "smtp_security", "one of starttls, ssl, none"),
        ({"smtp_sender": "not an address"}, "smtp_sender", "an e-mail address"),
        ({"smtp_username": "a" * 300}, "smtp_username", "at most 256 characters"),
        ({"smtp_password": "pass\x00word"}, "smtp_password", "control character"),
        ({"twilio_account_sid": "AC123"}, "twilio_account_sid", "AC and 32 hexadecimal digits"),
        ({"mqtt_url": "mqtt://user:pw@broker.lan"}, "mqtt_url", "not in the URL"),
        ({"mqtt_url": "http://broker.lan"}, "mqtt_url", "mqtt://"),
        ({"mqtt_topic_prefix": "a/#"}, "mqtt_topic_prefix", "letters, digits"),
        ({"webhook_secret": "short"}, "webhook_secret", "at least 16 characters"),
    ],
)
async def test_bad_settings_are_refused_at_their_field_and_nothing_is_stored(
    world: World, body: dict[str, Any], field_name: str, words: str
) -> None:
    response = await patch(world, "admin", body)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", field_name]
    assert words in problem["msg"]
    stored = (await world.client.get(SETTINGS, headers=world["admin"].headers)).json()
    assert all(f["source"] != "dashboard" for f in stored["fields"])


async def test_an_oversized_setting_is_refused_by_the_schema(world: World) -> None:
    response = await patch(world, "admin", {"smtp_host": "a" * 600})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "smtp_host"]


async def test_channels_say_why_they_cannot_send_and_smtp_set_here_works_without_restart(
    world: World, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    before = await channels(world, "owner")
    assert before["email"]["usable"] is False
    assert "the SMTP server (VIGIL_SMTP_HOST)" in before["email"]["reason"]
    assert before["sms"]["usable"] is False
    assert "Twilio account SID" in before["sms"]["reason"]
    assert "sender number" not in before["sms"]["reason"]  # VIGIL_TWILIO_FROM is set
    assert before["webhook"]["usable"] is True
    assert "needs its own secret" in before["webhook"]["note"]
    assert before["webpush"]["usable"] is True
    refused = await world.client.post(
        ROUTES, json={"channel": "email", "target": "desk@example.org"}, headers=world["owner"].headers
    )
    assert refused.status_code == 422
    assert "VIGIL_SMTP_HOST" in refused.json()["detail"][0]["msg"]

    changed = await patch(
        world, "admin", {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    )
    assert changed.status_code == 200, changed.text
    assert (await channels(world, "owner"))["email"] == {
        "kind": "email",
        "usable": True,
        "reason": None,
        "note": None,
    }
    created = await world.client.post(
        ROUTES, json={"channel": "email", "target": "desk@example.org"}, headers=world["owner"].headers
    )
    assert created.status_code == 201, created.text
    tried = await world.client.post(f"{ROUTES}/{created.json()['id']}/test", headers=world["owner"].headers)
    assert tried.status_code == 200, tried.text
    assert tried.json()["delivered"] is True
    assert tried.json()["outcome"].startswith("Sent: ")
    [mail_received] = sink.messages
    assert mail_received["To"] == "desk@example.org"
    assert "Test alert on Test" in mail_received["Subject"]
    assert "A test alert sent by owner@example.com" in mail_received.get_body(("plain",)).get_content()


async def test_test_alerts_are_for_owner_or_admin_and_rate_limited(world: World) -> None:
    created = await world.client.post(
        ROUTES,
        json={"channel": "webhook", "target": "https://hooks.example.org/x", "webhook_secret": "s" * 20},
        headers=world["owner"].headers,
    )
    route = f"{ROUTES}/{created.json()['id']}/test"
    assert (await world.client.post(route, headers=world["stranger"].headers)).status_code == 404
    assert (await world.client.post(route, headers=world["viewer"].headers)).status_code == 404
    # the webhook's host does not resolve here (no DNS off this machine): a failure said in words
    results = [await world.client.post(route, headers=world["owner"].headers) for _ in range(5)]
    assert all(r.status_code == 200 for r in results)
    assert results[0].json()["delivered"] is False
    assert results[0].json()["outcome"].startswith("Not sent: webhook: ")
    limited = await world.client.post(route, headers=world["owner"].headers)
    assert limited.status_code == 429
    assert limited.json()["detail"] == "TEST_ALERT_RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await world.client.post(route, headers=world["admin"].headers)).status_code == 200


async def test_a_route_test_of_an_unconfigured_channel_says_so(world: World) -> None:
    created = await world.client.post(ROUTES, json={"channel": "webpush"}, headers=world["owner"].headers)
    assert created.status_code == 201, created.text
    tried = await world.client.post(f"{ROUTES}/{created.json()['id']}/test", headers=world["owner"].headers)
    assert tried.json() == {
        "delivered": False,
        "outcome": "Not sent: no device of the route's owner is subscribed "
        "(turn notifications on in the dashboard)",
    }


async def test_push_subscriptions_are_checked_and_per_user(world: World, push_service: PushService) -> None:
    key = (await world.client.get(f"{PUSH}/key", headers=world["owner"].headers)).json()["public_key"]
    assert len(base64.urlsafe_b64decode(key + "=")) == 65
    browser = push_service.subscribe(key)
    made = await world.client.post(
        f"{PUSH}/subscriptions", json={**browser, "device": "Desk phone"}, headers=world["owner"].headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["endpoint_origin"] == push_service.url
    assert browser["keys"]["auth"] not in made.text
    again = await world.client.post(f"{PUSH}/subscriptions", json=browser, headers=world["owner"].headers)
    assert again.status_code == 200
    assert (await world.client.get(f"{PUSH}/subscriptions", headers=world["stranger"].headers)).json() == []
    [mine] = (await world.client.get(f"{PUSH}/subscriptions", headers=world["owner"].headers)).json()
    stolen = await world.client.delete(
        f"{PUSH}/subscriptions/{mine['id']}", headers=world["stranger"].headers
    )
    assert stolen.status_code == 404
    bad = {**browser, "endpoint": "https://169.254.169.254/latest"}
    refused = await world.client.post(f"{PUSH}/subscriptions", json=bad, headers=world["owner"].headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "endpoint"]
    assert "link-local" in refused.json()["detail"][0]["msg"]
    bad_keys = {**browser, "keys": {"p256dh": "not-a-key", "auth": "x"}}
    assert (
        await world.client.post(f"{PUSH}/subscriptions", json=bad_keys, headers=world["owner"].headers)
    ).status_code == 422
    assert (await channels(world, "owner"))["webpush"]["note"].startswith("Notifications go to the 1 device")


async def test_a_loopback_push_service_is_refused_unless_allowed(
    tmp_path: Path, push_service: PushService
) -> None:
    app = create_app(make_settings(tmp_path))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vigil.test") as client,
    ):
        world = await build_world(app, client)
        key = (await client.get(f"{PUSH}/key", headers=world["owner"].headers)).json()["public_key"]
        refused = await client.post(
            f"{PUSH}/subscriptions", json=push_service.subscribe(key), headers=world["owner"].headers
        )
    assert refused.status_code == 422
    assert "a loopback address" in refused.json()["detail"][0]["msg"]
    assert "VIGIL_OUTBOUND_ALLOW_PUSH" in refused.json()["detail"][0]["msg"]
    assert push_service.received == []


async def test_an_incident_reaches_the_subscribed_browser_through_the_push_service(
    world: World, push_service: PushService
) -> None:
    key = (await world.client.get(f"{PUSH}/key", headers=world["owner"].headers)).json()["public_key"]
    browser = push_service.subscribe(key)
    made = await world.client.post(f"{PUSH}/subscriptions", json=browser, headers=world["owner"].headers)
    assert made.status_code == 201
    route = await world.client.post(
        ROUTES, json={"channel": "webpush", "name": "My phone"}, headers=world["owner"].headers
    )
    assert route.status_code == 201, route.text
    tried = await world.client.post(f"{ROUTES}/{route.json()['id']}/test", headers=world["owner"].headers)
    assert tried.json()["delivered"] is True, tried.text
    assert tried.json()["outcome"].startswith("Sent: pushed to 1 of 1 device(s)")
    assert push_service.received[0].payload["label"] == "test_alert"

    alerts: IncidentAlerts = world.app.state.runtime.incidents.alerts

    async def snapshot() -> bytes:
        return snapshot_jpeg()

    alerts.submit(
        update(UpdateKind.OPENED, camera_id=world.camera_id, incident_id=world.incident_id, label="fight"),
        world.incident_id,
        snapshot(),
    )
    await alerts.idle()
    await world.app.state.runtime.alerts.delivery.drain(10)  # each delivery is a task of its own
    assert len(push_service.received) == 2, push_service.refused
    payload = push_service.received[1].payload
    assert payload["label"] == "fight"
    assert payload["camera"] == {"id": world.camera_id, "name": "owner's camera"}
    assert payload["url"] == f"https://vigil.example/incidents/{world.incident_id}"
    thumbnail = Image.open(io.BytesIO(base64.b64decode(str(payload["image"]).split(",", 1)[1])))
    assert thumbnail.format == "JPEG"
    records = await world.client.get(
        "/api/v1/alert-deliveries", params={"incident_id": world.incident_id}, headers=world["owner"].headers
    )
    [record] = records.json()["items"]
    assert record["channel"] == "webpush"
    assert record["status"] == "delivered"
