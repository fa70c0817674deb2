"""Web Push alerts delivered to a local push service that checks VAPID and decrypts like a browser
(tests/alerts/push_service.py); the outbound policy refuses loopback push services unless allowed."""

from __future__ import annotations

import base64
import io
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from tests.alerts.push_service import PushService
from tests.alerts.support import LOOPBACK, http_server, snapshot_jpeg, update
from vigil.alerts.channels import DeliveryError
from vigil.alerts.channels.webpush import (
    MAX_PAYLOAD_BYTES,
    PushSubscription,
    WebPushChannel,
    WebPushConfig,
    application_server_key,
    endpoint_problem,
    vapid_key,
)
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind
from vigil.security.outbound import parse_networks, push_policy

ROUTE = AlertRoute(id=5, channel=ChannelKind.WEBPUSH)


@pytest.fixture
async def service() -> AsyncIterator[PushService]:
    push = PushService()
    async with http_server(push.app()) as url:
        push.url = url
        yield push


def message(snapshot: bytes | None = None) -> AlertMessage:
    return AlertMessage.from_update(
        update(label="fight", camera_id=7, incident_id=41),
        camera_name="Lobby",
        incident_url="https://vigil.example/incidents/41",
        snapshot_jpeg=snapshot,
    )


class Directory:
    def __init__(self, *subscriptions: PushSubscription) -> None:
        self.subscriptions = list(subscriptions)
        self.forgotten: list[int] = []

    async def subscriptions_of(self, route_id: int) -> list[PushSubscription]:
        assert route_id == ROUTE.id
        return self.subscriptions

    async def forget(self, subscription_id: int) -> None:
        self.forgotten.append(subscription_id)


def subscription_of(browser: dict[str, object], number: int = 1) -> PushSubscription:
    keys = browser["keys"]
    assert isinstance(keys, dict)
    return PushSubscription(number, str(browser["endpoint"]), keys["p256dh"], keys["auth"])


def config(tmp_path: Path, directory: Directory, *, allow_loopback: bool = True) -> WebPushConfig:
    return WebPushConfig(
        key=vapid_key(tmp_path),
        subject="mailto:security@example.org",
        subscriptions_of=directory.subscriptions_of,
        forget=directory.forget,
        outbound=push_policy(parse_networks(LOOPBACK) if allow_loopback else ()),
    )


async def test_push_reaches_the_browser_decrypted_with_thumbnail_and_link(
    service: PushService, tmp_path: Path
) -> None:
    server_key = application_server_key(vapid_key(tmp_path))
    directory = Directory(subscription_of(service.subscribe(server_key)))
    channel = WebPushChannel(config(tmp_path, directory))

    receipt = await channel.send(message(snapshot_jpeg()), ROUTE, "d" * 32)

    assert receipt.startswith("pushed to 1 of 1 device(s)")
    assert service.refused == []
    [pushed] = service.received
    payload = pushed.payload
    assert payload["title"] == "Vigil: Fight on Lobby (80%)"
    assert payload["url"] == "https://vigil.example/incidents/41"
    assert payload["label"] == "fight"
    assert payload["camera"] == {"id": 7, "name": "Lobby"}
    assert payload["tag"] == "vigil-incident-41"
    image = str(payload["image"])
    assert image.startswith("data:image/jpeg;base64,")
    thumbnail = Image.open(io.BytesIO(base64.b64decode(image.split(",", 1)[1])))
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) <= 160
    assert pushed.claims["sub"] == "mailto:security@example.org"
    assert pushed.headers["urgency"] == "high"


async def test_a_payload_without_snapshot_has_no_image_and_stays_small(
    service: PushService, tmp_path: Path
) -> None:
    directory = Directory(subscription_of(service.subscribe(application_server_key(vapid_key(tmp_path)))))
    await WebPushChannel(config(tmp_path, directory)).send(message(), ROUTE, "e" * 32)
    [pushed] = service.received
    assert "image" not in pushed.payload
    assert len(str(pushed.payload)) < MAX_PAYLOAD_BYTES


async def test_a_subscription_made_for_another_server_key_is_refused_by_the_push_service(
    service: PushService, tmp_path: Path
) -> None:
    other_key = application_server_key(vapid_key(tmp_path / "another-server"))
    directory = Directory(subscription_of(service.subscribe(other_key)))
    with pytest.raises(DeliveryError) as failed:
        await WebPushChannel(config(tmp_path, directory)).send(message(), ROUTE, "f" * 32)
    assert "HTTP 403 Forbidden" in failed.value.reason
    assert not failed.value.retryable
    assert service.refused == [(403, "the VAPID key is not the one the subscription was made with")]


async def test_an_expired_subscription_is_forgotten(service: PushService, tmp_path: Path) -> None:
    browser = service.subscribe(application_server_key(vapid_key(tmp_path)))
    service.gone.add(str(browser["endpoint"]).rsplit("/", 1)[1])
    directory = Directory(subscription_of(browser, number=9))
    with pytest.raises(DeliveryError) as failed:
        await WebPushChannel(config(tmp_path, directory)).send(message(), ROUTE, "a" * 32)
    assert "expired (HTTP 410); removed" in failed.value.reason
    assert directory.forgotten == [9]


async def test_one_device_gone_does_not_fail_the_other(service: PushService, tmp_path: Path) -> None:
    key = application_server_key(vapid_key(tmp_path))
    phone, laptop = service.subscribe(key), service.subscribe(key)
    service.gone.add(str(laptop["endpoint"]).rsplit("/", 1)[1])
    directory = Directory(subscription_of(phone, 1), subscription_of(laptop, 2))
    receipt = await WebPushChannel(config(tmp_path, directory)).send(message(), ROUTE, "b" * 32)
    assert receipt.startswith("pushed to 1 of 2 device(s)")
    assert directory.forgotten == [2]


async def test_a_loopback_push_service_is_refused_by_default_before_connecting(
    service: PushService, tmp_path: Path
) -> None:
    directory = Directory(subscription_of(service.subscribe(application_server_key(vapid_key(tmp_path)))))
    with pytest.raises(DeliveryError) as failed:
        await WebPushChannel(config(tmp_path, directory, allow_loopback=False)).send(
            message(), ROUTE, "c" * 32
        )
    assert "push notifications may not connect to 127.0.0.1: a loopback address" in failed.value.reason
    assert "VIGIL_OUTBOUND_ALLOW_PUSH" in failed.value.reason
    assert not failed.value.retryable
    assert service.received == []  # nothing reached it
    assert service.refused == []


def test_endpoint_problems_are_named_without_dns() -> None:
    policy = push_policy()
    assert endpoint_problem("https://fcm.googleapis.com/fcm/send/abc", policy) is None
    assert "loopback" in (endpoint_problem("https://127.1/push/x", policy) or "")
    assert "link-local" in (endpoint_problem("https://169.254.169.254/x", policy) or "")
    assert "https" in (endpoint_problem("http://push.example.org/x", policy) or "")
    assert "control character" in (endpoint_problem("https://push.example.org/a\r\nHost: x", policy) or "")
    assert "user name" in (endpoint_problem("https://u:p@push.example.org/x", policy) or "")
    assert "longer than" in (endpoint_problem("https://push.example.org/" + "a" * 2100, policy) or "")
    allowed = push_policy(parse_networks(LOOPBACK))
    assert endpoint_problem("http://127.0.0.1:8080/push/x", allowed) is None


def test_the_vapid_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = application_server_key(vapid_key(tmp_path))
    again = application_server_key(vapid_key(tmp_path))
    assert first == again
    assert len(base64.urlsafe_b64decode(first + "=")) == 65  # an uncompressed P-256 point
    mode = stat.S_IMODE((tmp_path / ".vapid_private.pem").stat().st_mode)
    assert mode == 0o600
