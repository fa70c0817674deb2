"""Webhook: the message as JSON, POSTed with an HMAC-SHA256 signature over the timestamp and the body.

Headers: `X-Vigil-Timestamp: <unix seconds>`, `X-Vigil-Signature: sha256=<hex>` where the HMAC key is
the route's secret and the signed bytes are `<timestamp>.<body>`; `X-Vigil-Event`, and
`X-Vigil-Delivery` (the same on every retry of one delivery, so a receiver can drop duplicates).
A receiver checks the signature with `verify_signature` and refuses timestamps older than a few minutes,
so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
from dataclasses import dataclass, field

import httpx

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute, ChannelKind

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
DELIVERY_HEADER = "X-Vigil-Delivery"
EVENT_HEADER = "X-Vigil-Event"
REPLAY_TOLERANCE_S = 300


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    default_secret: str = field(default="", repr=False)  # for routes without a secret of their own
    timeout_s: float = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    now: float | None = None,
    tolerance_s: float = REPLAY_TOLERANCE_S,
) -> bool:
    """What a receiver runs: the signature matches and the timestamp is recent."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature)


def webhook_body(message: AlertMessage, delivery_id: str) -> bytes:
    return json.dumps({**message.as_json(), "delivery_id": delivery_id}, separators=(",", ":")).encode()


class WebhookChannel:
    kind = ChannelKind.WEBHOOK

    def __init__(self, config: WebhookConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._client = client
        self._tls = ssl.create_default_context()  # once: loading the CA bundle takes ~20 ms of CPU

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        secret = route.webhook_secret or self._config.default_secret
        if not secret:
            raise ChannelNotConfiguredError(
                "the webhook route has no secret (and VIGIL_WEBHOOK_SECRET is empty)"
            )
        body = webhook_body(message, delivery_id)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Vigil-Webhook/1",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            EVENT_HEADER: f"incident.{message.kind.value}",
            DELIVERY_HEADER: delivery_id,
        }
        try:
            if self._client is not None:
                response = await self._client.post(
                    route.target, content=body, headers=headers, timeout=self._config.timeout_s
                )
            else:
                async with httpx.AsyncClient(timeout=self._config.timeout_s, verify=self._tls) as client:
                    response = await client.post(route.target, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise DeliveryError(
                f"webhook: no answer within {self._config.timeout_s:g} s ({type(error).__name__})"
            ) from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook: {type(error).__name__}: {error}") from error
        if response.is_success:
            return f"HTTP {response.status_code}"
        status = response.status_code
        # a receiver that is down or busy may come back; one that refuses the request will refuse it again
        retryable = status >= 500 or status in (408, 429)
        raise DeliveryError(f"webhook: HTTP {status} {response.reason_phrase}", retryable=retryable)
