"""The whole path from an incident update: routes → channels, each isolated; secrets stay out of logs."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest

from tests.alerts.support import (
    LOOPBACK,
    Receiver,
    free_port,
    http_server,
    mosquitto,
    smtp_server,
    snapshot_jpeg,
    update,
    wait_until,
)
from tests.conftest import make_settings
from vigil.alerts import (
    AlertDispatcher,
    AlertRoute,
    AlertRouter,
    InMemoryDeliveryLog,
    InProcessDelivery,
    RetryPolicy,
)
from vigil.alerts.config import build_channels, incident_url, redactor, retry_policy
from vigil.domain import ChannelKind, DeliveryStatus, UpdateKind

pytestmark = pytest.mark.slow

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(first_delay_s=5, factor=2, max_delay_s=30)
    assert [policy.delay_after(n) for n in range(1, 6)] == [5, 10, 20, 30, 30]


async def test_a_hanging_channel_blocks_neither_the_caller_nor_the_other_channels(tmp_path: Path) -> None:
    slow_receiver = Receiver(delay_s=2.0)
    smtp_port = free_port()
    with smtp_server(smtp_port) as sink, mosquitto(tmp_path) as mqtt_port:
        async with http_server(slow_receiver.app()) as url:
            settings = make_settings(
                tmp_path,
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_security="none",
                mqtt_url=f"mqtt://127.0.0.1:{mqtt_port}",
                webhook_timeout_s=1.5,
                public_url="https://vigil.example",
                outbound_allow_webhooks=LOOPBACK,
            )
            routes = (
                AlertRoute(id=1, channel=ChannelKind.WEBHOOK, target=f"{url}/hook", webhook_secret="s3cret"),
                AlertRoute(id=2, channel=ChannelKind.EMAIL, target="guard@example.org"),
                AlertRoute(id=3, channel=ChannelKind.MQTT),
                AlertRoute(id=4, channel=ChannelKind.SMS, target="+15551234567"),  # Twilio not configured
            )
            log = InMemoryDeliveryLog()
            delivery = InProcessDelivery(build_channels(settings), log, retry_policy(settings))
            dispatcher = AlertDispatcher(AlertRouter(routes), delivery)

            async with aiomqtt.Client("127.0.0.1", mqtt_port) as subscriber:
                await subscriber.subscribe("vigil/+/incident", qos=1)
                started = time.monotonic()
                records = await dispatcher.handle(
                    update(UpdateKind.OPENED, incident_id=1, camera_id=3),
                    camera_name="Car park",
                    incident_url=incident_url(settings, 101),
                    snapshot_jpeg=snapshot_jpeg(),
                    incident_id=101,
                    at=T0,
                )
                assert time.monotonic() - started < 0.2  # detection goes on at once
                assert len(records) == 4
                by_route = {r.route_id: r.id for r in records}

                async with asyncio.timeout(3):
                    event = await anext(aiter(subscriber.messages))
                assert event.topic.value == "vigil/car_park/incident"
            await wait_until(
                lambda: all(log.records[by_route[n]].status is DeliveryStatus.DELIVERED for n in (2, 3)),
                timeout_s=3,
                what="the e-mail and the MQTT deliveries",
            )
            assert len(sink.messages) == 1
            mail_and_mqtt_done_s = time.monotonic() - started
            assert mail_and_mqtt_done_s < 1.5  # the webhook is still waiting for its receiver
            assert log.records[by_route[1]].status is DeliveryStatus.PENDING
            assert log.records[by_route[2]].status is DeliveryStatus.DELIVERED
            assert log.records[by_route[3]].status is DeliveryStatus.DELIVERED
            sms = log.records[by_route[4]]
            assert sms.status is DeliveryStatus.FAILED
            assert "not configured" in (sms.last_error or "")
            plain = sink.messages[0].get_body(("plain",))
            assert plain is not None
            text = plain.get_content()
            assert "https://vigil.example/incidents/101" in text

            # the same fight, seconds later: no new messages
            again = await dispatcher.handle(
                update(UpdateKind.UPDATED, incident_id=1, camera_id=3, confidence=0.82),
                camera_name="Car park",
                incident_url=incident_url(settings, 101),
                at=T0 + timedelta(seconds=2),
            )
            assert again == []
            await delivery.aclose()


async def test_secrets_never_reach_the_logs_or_the_records(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every channel fails (nothing listens), at DEBUG, with every library's logging on."""
    caplog.set_level(logging.DEBUG)
    secrets = {
        "smtp": "smtp-secret-pw-9d8c",
        "twilio": "twilio-token-a1b2c3d4e5",
        "webhook": "webhook-default-key-77aa",
        "route": "route-own-key-31f0",
        "mqtt": "mqtt-secret-pw-5e6f",
    }
    down = free_port()
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=down,
        smtp_username="mailer",
        smtp_password=secrets["smtp"],
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token=secrets["twilio"],
        twilio_from="+15005550006",
        twilio_api_url=f"http://127.0.0.1:{down}",
        webhook_secret=secrets["webhook"],
        mqtt_url=f"mqtt://vigil:{secrets['mqtt']}@127.0.0.1:{down}",
        outbound_allow_webhooks=LOOPBACK,
    )
    routes = (
        AlertRoute(id=1, channel=ChannelKind.EMAIL, target="guard@example.org"),
        AlertRoute(id=2, channel=ChannelKind.SMS, target="+15551234567"),
        AlertRoute(id=3, channel=ChannelKind.WEBHOOK, target=f"http://127.0.0.1:{down}/hook"),
        AlertRoute(
            id=4,
            channel=ChannelKind.WEBHOOK,
            target=f"http://127.0.0.1:{down}/h2",
            webhook_secret=secrets["route"],
        ),
        AlertRoute(id=5, channel=ChannelKind.MQTT),
    )
    log = InMemoryDeliveryLog()
    policy = RetryPolicy(max_attempts=2, first_delay_s=0.05)
    delivery = InProcessDelivery(build_channels(settings), log, policy, redact=redactor(settings))
    dispatcher = AlertDispatcher(AlertRouter(routes), delivery)
    records = await dispatcher.handle(
        update(UpdateKind.OPENED), camera_name="Hall", incident_url="http://vigil.example/incidents/1", at=T0
    )
    await delivery.drain(30)
    assert len(records) == 5
    finals = [log.records[r.id] for r in records]
    assert all(f.status is DeliveryStatus.FAILED and f.attempts == 2 for f in finals), finals
    assert "next try in" in caplog.text  # the failures were logged...
    everything = caplog.text + repr(finals) + repr(routes) + repr(build_channels(settings))
    for name, secret in secrets.items():
        assert secret not in everything, f"the {name} secret leaked"
