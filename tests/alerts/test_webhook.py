"""Webhook alerts received by a local HTTP server: a valid HMAC signature, replay protection, timeouts."""

from __future__ import annotations

import json
import time

import pytest

from tests.alerts.support import LOOPBACK_WEBHOOKS, Receiver, http_server, snapshot_jpeg, update
from vigil.alerts import (
    AlertMessage,
    AlertRoute,
    DeliveryError,
    InMemoryDeliveryLog,
    InProcessDelivery,
    RetryPolicy,
)
from vigil.alerts.channels.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookChannel,
    WebhookConfig,
    verify_signature,
)
from vigil.domain import ChannelKind, DeliveryStatus, UpdateKind

pytestmark = pytest.mark.slow

SECRET = "whsec-route-secret-4f9a"


def message(kind: UpdateKind = UpdateKind.OPENED) -> AlertMessage:
    return AlertMessage.from_update(
        update(kind, confidence=0.91),
        camera_name="Back yard",
        incident_url="http://vigil.example/incidents/9",
        snapshot_jpeg=snapshot_jpeg(),
        incident_id=9,
    )


def loopback_channel(default_secret: str = "", timeout_s: float = 10.0) -> WebhookChannel:
    """The receivers here listen on loopback, which webhooks reach only when allowed."""
    return WebhookChannel(WebhookConfig(default_secret, timeout_s, outbound=LOOPBACK_WEBHOOKS))


def route(url: str, secret: str = SECRET) -> AlertRoute:
    return AlertRoute(id=3, channel=ChannelKind.WEBHOOK, target=f"{url}/hook", webhook_secret=secret)


async def test_the_receiver_gets_json_with_a_valid_signature() -> None:
    receiver = Receiver()
    async with http_server(receiver.app()) as url:
        receipt = await loopback_channel().send(message(), route(url), "delivery-1")
    assert receipt == "HTTP 200"
    [(body, headers)] = receiver.requests
    assert headers["Content-Type"] == "application/json"
    assert headers[DELIVERY_HEADER] == "delivery-1"
    assert verify_signature(SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
    assert headers[SIGNATURE_HEADER].startswith("sha256=")
    payload = json.loads(body)
    assert payload["event"] == "incident.opened"
    assert payload["incident"]["id"] == 9
    assert payload["incident"]["url"] == "http://vigil.example/incidents/9"
    assert payload["camera"] == {"id": 7, "name": "Back yard", "slug": "back_yard"}
    assert payload["delivery_id"] == "delivery-1"

    # what a receiver must refuse: another secret, a changed body, an old (replayed) request
    assert not verify_signature("another-secret", body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
    tampered = body.replace(b'"confidence":0.91', b'"confidence":0.11')
    assert tampered != body
    assert not verify_signature(SECRET, tampered, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
    later = time.time() + 3600
    assert not verify_signature(SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], now=later)


async def test_the_default_secret_signs_routes_without_their_own() -> None:
    receiver = Receiver()
    async with http_server(receiver.app()) as url:
        channel = loopback_channel(default_secret="the-default-secret")
        await channel.send(message(), route(url, secret=""), "d")
    [(body, headers)] = receiver.requests
    assert verify_signature("the-default-secret", body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])


async def test_a_slow_receiver_is_a_timeout_recorded_as_the_error() -> None:
    receiver = Receiver(delay_s=1.5)
    log = InMemoryDeliveryLog()
    channel = loopback_channel(timeout_s=0.3)
    runner = InProcessDelivery(
        {ChannelKind.WEBHOOK: channel}, log, RetryPolicy(max_attempts=2, first_delay_s=0.05)
    )
    async with http_server(receiver.app()) as url:
        started = time.monotonic()
        record = await runner.submit(route(url), message())
        await runner.drain(10)
        elapsed = time.monotonic() - started
    final = log.records[record.id]
    assert final.status is DeliveryStatus.FAILED
    assert final.attempts == 2
    assert final.last_error is not None
    assert "no answer within 0.3 s" in final.last_error
    assert elapsed < 2.5  # two attempts cut at 0.3 s each; waiting for the receiver would take 2 x 1.5 s
    # every attempt carried the same delivery id, so a receiver can drop a duplicate
    assert {headers[DELIVERY_HEADER] for _, headers in receiver.requests} == {record.id}


async def test_server_errors_are_retried_and_refusals_are_not() -> None:
    receiver = Receiver(statuses=[503, 502])
    log = InMemoryDeliveryLog()
    policy = RetryPolicy(max_attempts=5, first_delay_s=0.05)
    runner = InProcessDelivery({ChannelKind.WEBHOOK: loopback_channel()}, log, policy)
    async with http_server(receiver.app()) as url:
        retried = await runner.submit(route(url), message())
        await runner.drain(10)
        receiver.statuses = [403]
        refused = await runner.submit(route(url), message(UpdateKind.CLOSED))
        await runner.drain(10)
    assert log.records[retried.id].status is DeliveryStatus.DELIVERED
    assert log.records[retried.id].attempts == 3
    errors = [h.last_error for h in log.history if h.id == retried.id and h.last_error]
    assert errors == ["webhook: HTTP 503 Service Unavailable", "webhook: HTTP 502 Bad Gateway"]
    assert log.records[refused.id].status is DeliveryStatus.FAILED
    assert log.records[refused.id].attempts == 1


async def test_a_route_without_any_secret_is_not_sent_unsigned() -> None:
    receiver = Receiver()
    async with http_server(receiver.app()) as url:
        with pytest.raises(DeliveryError, match="no secret") as error:
            await loopback_channel().send(message(), route(url, secret=""), "d")
    assert not error.value.retryable
    assert receiver.requests == []
