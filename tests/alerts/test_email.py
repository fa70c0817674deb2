"""E-mail alerts received by a real aiosmtpd server on loopback: plain, STARTTLS with login, implicit TLS;
an SMTP server that is down and comes back gets the mail after a retry."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.alerts.support import (
    SMTP_PASSWORD,
    SMTP_USER,
    free_port,
    make_self_signed,
    smtp_server,
    snapshot_jpeg,
    update,
    wait_until,
)
from vigil.alerts import (
    AlertMessage,
    AlertRoute,
    DeliveryError,
    InMemoryDeliveryLog,
    InProcessDelivery,
    RetryPolicy,
)
from vigil.alerts.channels.email import EmailChannel, SmtpConfig
from vigil.domain import ChannelKind, DeliveryStatus, UpdateKind

pytestmark = pytest.mark.slow

INCIDENT_URL = "http://vigil.example:8000/incidents/41"
ROUTE = AlertRoute(id=1, channel=ChannelKind.EMAIL, target="guard@example.org, boss@example.org")


def message() -> AlertMessage:
    return AlertMessage.from_update(
        update(UpdateKind.OPENED, confidence=0.87),
        camera_name="Front door",
        incident_url=INCIDENT_URL,
        snapshot_jpeg=snapshot_jpeg(),
        incident_id=41,
    )


def _check_mail(sink_messages: list, recipients: list[str], envelope_rcpts: list[str]) -> None:  # type: ignore[type-arg]
    assert len(sink_messages) == 1
    mail = sink_messages[0]
    assert envelope_rcpts == recipients
    assert mail["Subject"] == "[Vigil] Fight on Front door (87%)"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    assert INCIDENT_URL.encode() in text
    assert f'href="{INCIDENT_URL}"'.encode() in html
    images = [p for p in mail.walk() if p.get_content_type() == "image/jpeg"]
    assert len(images) == 1
    assert images[0].get_filename() == "incident-41-front_door.jpg"
    assert images[0].get_payload(decode=True) == snapshot_jpeg()


async def test_plain_smtp_delivers_the_snapshot_and_the_link() -> None:
    port = free_port()
    with smtp_server(port) as sink:
        channel = EmailChannel(SmtpConfig(host="127.0.0.1", port=port, security="none"))
        receipt = await channel.send(message(), ROUTE, "d1")
        assert receipt.startswith("OK") or "accepted" in receipt.lower()
        _check_mail(sink.messages, ["guard@example.org", "boss@example.org"], sink.envelopes[0].rcpt_tos)


async def test_starttls_with_login_and_a_self_signed_certificate(tmp_path: Path) -> None:
    certificate = make_self_signed(tmp_path)
    port = free_port()
    with smtp_server(port, starttls=certificate) as sink:
        config = SmtpConfig(
            host="127.0.0.1",
            port=port,
            security="starttls",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            sender="vigil@example.org",
            ca_file=certificate.cert,
        )
        await EmailChannel(config).send(message(), ROUTE, "d2")
        _check_mail(sink.messages, ["guard@example.org", "boss@example.org"], sink.envelopes[0].rcpt_tos)
        assert sink.envelopes[0].mail_from == "vigil@example.org"

        # the server requires STARTTLS: a client configured without it is refused, and not retried
        with pytest.raises(DeliveryError) as refused:
            await EmailChannel(SmtpConfig(host="127.0.0.1", port=port, security="none")).send(
                message(), ROUTE, "d3"
            )
        assert not refused.value.retryable
        # an untrusted certificate fails the attempt instead of sending in clear
        with pytest.raises(DeliveryError):
            await EmailChannel(SmtpConfig(host="127.0.0.1", port=port, security="starttls")).send(
                message(), ROUTE, "d4"
            )
        assert len(sink.messages) == 1


async def test_wrong_password_is_a_final_failure_and_the_password_is_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    certificate = make_self_signed(tmp_path)
    port = free_port()
    wrong = "wrong-" + SMTP_PASSWORD
    with smtp_server(port, starttls=certificate) as sink:
        config = SmtpConfig(
            host="127.0.0.1", port=port, username=SMTP_USER, password=wrong, ca_file=certificate.cert
        )
        log = InMemoryDeliveryLog()
        runner = InProcessDelivery(
            {ChannelKind.EMAIL: EmailChannel(config)}, log, RetryPolicy(max_attempts=3)
        )
        record = await runner.submit(ROUTE, message())
        await runner.drain(10)
        final = log.records[record.id]
        assert final.status is DeliveryStatus.FAILED
        assert final.attempts == 1  # a refused login is not retried
        assert "login refused" in (final.last_error or "")
        assert sink.messages == []
    assert wrong not in caplog.text
    assert SMTP_PASSWORD not in caplog.text
    assert wrong not in repr(config)


async def test_implicit_tls(tmp_path: Path) -> None:
    certificate = make_self_signed(tmp_path)
    port = free_port()
    with smtp_server(port, implicit_tls=certificate) as sink:
        config = SmtpConfig(host="127.0.0.1", port=port, security="ssl", ca_file=certificate.cert)
        await EmailChannel(config).send(message(), ROUTE, "d5")
        _check_mail(sink.messages, ["guard@example.org", "boss@example.org"], sink.envelopes[0].rcpt_tos)


async def test_smtp_down_then_up_is_delivered_after_a_retry_and_nothing_is_lost() -> None:
    port = free_port()  # nothing listens there yet: connection refused
    config = SmtpConfig(host="127.0.0.1", port=port, security="none", timeout_s=5)
    log = InMemoryDeliveryLog()
    policy = RetryPolicy(max_attempts=8, first_delay_s=0.3, max_delay_s=1.0)
    runner = InProcessDelivery({ChannelKind.EMAIL: EmailChannel(config)}, log, policy)
    messages = [
        AlertMessage.from_update(
            update(UpdateKind.OPENED, incident_id=n, camera_id=n),
            camera_name=f"Camera {n}",
            incident_url=f"http://vigil.example/incidents/{n}",
            snapshot_jpeg=snapshot_jpeg(),
        )
        for n in (1, 2, 3)
    ]
    records = [await runner.submit(ROUTE, m) for m in messages]
    await wait_until(
        lambda: all(log.records[r.id].status is DeliveryStatus.RETRYING for r in records),
        what="first attempts failing",
    )
    first_errors = {log.records[r.id].last_error for r in records}
    assert all("SMTP 127.0.0.1" in (e or "") for e in first_errors), first_errors

    with smtp_server(port) as sink:
        await runner.drain(20)
        await asyncio.sleep(0.1)
        received = sorted(str(m["Subject"]) for m in sink.messages)
    assert received == sorted(
        f"[Vigil] Fight on Camera {n} (80%)" for n in (1, 2, 3)
    )  # none lost, none twice
    for record in records:
        final = log.records[record.id]
        assert final.status is DeliveryStatus.DELIVERED
        assert final.attempts >= 2
        assert final.last_error is None
        states = [h.status for h in log.history if h.id == record.id]
        assert states[0] is DeliveryStatus.PENDING
        assert DeliveryStatus.RETRYING in states
        assert states[-1] is DeliveryStatus.DELIVERED
