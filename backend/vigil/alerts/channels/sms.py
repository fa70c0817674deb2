"""SMS through Twilio's official client (run in a thread: it is a `requests` client)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from requests import RequestException
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind

TWILIO_API = "https://api.twilio.com"
SMS_MAX_CHARS = 320  # two segments; Twilio splits longer bodies and bills each part


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str  # an E.164 number or a Messaging Service SID (MG...)
    api_url: str = ""  # empty: Twilio's own API; another base URL (a proxy, a test server) replaces it
    edge: str | None = None  # Twilio's edge locations (e.g. "dublin"), when api_url is empty
    region: str | None = None
    timeout_s: float = 15.0


class _BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Twilio's own HTTP client, sending what it would send to api.twilio.com to another base URL."""

    def __init__(self, api_url: str, timeout_s: float) -> None:
        super().__init__(timeout=timeout_s)
        self._api_url = api_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self._api_url + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def sms_body(message: AlertMessage) -> str:
    body = f"Vigil: {message.headline}. {message.incident_url}"
    return body if len(body) <= SMS_MAX_CHARS else body[: SMS_MAX_CHARS - 1] + "…"


class SmsChannel:
    kind = ChannelKind.SMS

    def __init__(self, config: TwilioConfig | None) -> None:
        self._config = config

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        config = self._config
        if config is None or not (config.account_sid and config.auth_token and config.from_number):
            raise ChannelNotConfiguredError(
                "SMS is not configured (VIGIL_TWILIO_ACCOUNT_SID, VIGIL_TWILIO_AUTH_TOKEN, VIGIL_TWILIO_FROM)"
            )
        return await asyncio.to_thread(self._send_blocking, config, sms_body(message), route.target)

    @staticmethod
    def _send_blocking(config: TwilioConfig, body: str, to: str) -> str:
        http_client = (
            _BaseUrlHttpClient(config.api_url, config.timeout_s)
            if config.api_url
            else TwilioHttpClient(timeout=config.timeout_s)
        )
        client = Client(
            config.account_sid,
            config.auth_token,
            http_client=http_client,
            edge=None if config.api_url else config.edge,
            region=None if config.api_url else config.region,
            environment={},  # never pick credentials up from TWILIO_* variables behind our back
        )
        sender = (
            {"messaging_service_sid": config.from_number}
            if config.from_number.startswith("MG")
            else {"from_": config.from_number}
        )
        try:
            sent = client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as error:
            # 429 and 5xx may pass; 4xx (a wrong number, an unverified sender) will not
            retryable = error.status == 429 or error.status >= 500
            raise DeliveryError(
                f"Twilio {error.status}: {error.msg} (code {error.code})", retryable=retryable
            ) from error
        except (TwilioException, RequestException) as error:
            raise DeliveryError(f"Twilio: {type(error).__name__}: {error}") from error
        return f"twilio {sent.sid} {sent.status}"
