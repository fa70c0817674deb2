"""SMS through Twilio's official client, pointed at a local server that speaks Twilio's Messages API.

The only stand-in of the alert tests: Twilio lives off this machine. The assertions are on the request
Twilio would get (path, basic auth, form fields), made by the real `twilio` package.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.alerts.support import http_server, update
from vigil.alerts import (
    AlertMessage,
    AlertRoute,
    DeliveryError,
    InMemoryDeliveryLog,
    InProcessDelivery,
    RetryPolicy,
)
from vigil.alerts.channels.sms import SmsChannel, TwilioConfig
from vigil.domain import ChannelKind, DeliveryStatus, UpdateKind

pytestmark = pytest.mark.slow

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-0f1e2d3c4b5a"
FROM = "+15005550006"
TO = "+33612345678"


@dataclass
class FakeTwilio:
    """POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio answers it (201 + the message resource)."""

    requests: list[dict[str, object]] = field(default_factory=list)
    fail_with: tuple[int, int, str] | None = None  # (HTTP status, Twilio error code, message)

    def app(self) -> web.Application:
        async def create_message(request: web.Request) -> web.Response:
            form = await request.post()
            self.requests.append(
                {
                    "path": request.path,
                    "authorization": request.headers.get("Authorization", ""),
                    "content_type": request.content_type,
                    "form": {k: str(v) for k, v in form.items()},
                }
            )
            sid = request.match_info["sid"]
            if self.fail_with is not None:
                status, code, text = self.fail_with
                return web.json_response(
                    {"code": code, "message": text, "more_info": "", "status": status}, status=status
                )
            return web.json_response(
                {
                    "sid": "SM" + "f" * 32,
                    "account_sid": sid,
                    "to": form["To"],
                    "from": form.get("From"),
                    "body": form["Body"],
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{sid}/Messages/SM{'f' * 32}.json",
                },
                status=201,
            )

        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", create_message)
        return app


def message() -> AlertMessage:
    return AlertMessage.from_update(
        update(UpdateKind.OPENED, confidence=0.93),
        camera_name="Lobby",
        incident_url="https://vigil.example/incidents/12",
        incident_id=12,
    )


ROUTE = AlertRoute(id=2, channel=ChannelKind.SMS, target=TO)


async def test_the_request_twilio_would_get(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    twilio = FakeTwilio()
    async with http_server(twilio.app()) as url:
        config = TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, FROM, api_url=url)
        receipt = await SmsChannel(config).send(message(), ROUTE, "d1")
    assert receipt == f"twilio SM{'f' * 32} queued"
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert (
        request["authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    )
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": TO,
        "From": FROM,
        "Body": "Vigil: Fight on Lobby (93%). https://vigil.example/incidents/12",
    }
    assert AUTH_TOKEN not in caplog.text  # twilio logs its requests at INFO; never the token
    assert AUTH_TOKEN not in repr(config)


async def test_a_messaging_service_sends_instead_of_a_number() -> None:
    twilio = FakeTwilio()
    async with http_server(twilio.app()) as url:
        service = "MG" + "a" * 32
        await SmsChannel(TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, service, api_url=url)).send(
            message(), ROUTE, "d"
        )
    form = twilio.requests[0]["form"]
    assert isinstance(form, dict)
    assert form["MessagingServiceSid"] == service
    assert "From" not in form


async def test_an_invalid_number_is_a_final_failure_and_a_twilio_outage_is_retried() -> None:
    twilio = FakeTwilio(fail_with=(400, 21211, "The 'To' number is not a valid phone number."))
    log = InMemoryDeliveryLog()
    async with http_server(twilio.app()) as url:
        channel = SmsChannel(TwilioConfig(ACCOUNT_SID, AUTH_TOKEN, FROM, api_url=url))
        runner = InProcessDelivery(
            {ChannelKind.SMS: channel}, log, RetryPolicy(max_attempts=3, first_delay_s=0.05)
        )
        refused = await runner.submit(ROUTE, message())
        await runner.drain(20)
        twilio.fail_with = (503, 20503, "Service unavailable")
        with pytest.raises(DeliveryError) as outage:
            await channel.send(message(), ROUTE, "d")
    final = log.records[refused.id]
    assert final.status is DeliveryStatus.FAILED
    assert final.attempts == 1
    assert "Twilio 400" in (final.last_error or "")
    assert "21211" in (final.last_error or "")
    assert outage.value.retryable


async def test_not_configured_says_what_to_set() -> None:
    with pytest.raises(DeliveryError, match="VIGIL_TWILIO_ACCOUNT_SID") as error:
        await SmsChannel(None).send(message(), ROUTE, "d")
    assert not error.value.retryable
