"""Webhook: the message as JSON, POSTed with an HMAC-SHA256 signature over the timestamp and the body.

Headers: `X-Vigil-Timestamp: <unix seconds>`, `X-Vigil-Signature: sha256=<hex>` where the HMAC key is
the route's secret and the signed bytes are `<timestamp>.<body>`; `X-Vigil-Event`, and
`X-Vigil-Delivery` (the same on every retry of one delivery, so a receiver can drop duplicates).
A receiver checks the signature with `verify_signature` and refuses timestamps older than a few minutes,
so a captured request cannot be replayed.

The target's host is resolved and every address checked against the webhooks' outbound policy before the
request (by default only the public internet); the request then goes to the checked address (the name in
`Host` and TLS), redirects are not followed, and the receiver's own words (reason phrase, body, a broken
answer) never reach the delivery log: internal services cannot be read back through it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import ssl
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind
from vigil.security.outbound import (
    OutboundPolicy,
    OutboundRefusedError,
    PinnedUrl,
    Resolver,
    UnresolvableHostError,
    pin_http_url,
    system_resolver,
    webhook_policy,
)
from vigil.security.urls import network_url_problem

SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
DELIVERY_HEADER = "X-Vigil-Delivery"
EVENT_HEADER = "X-Vigil-Event"
REPLAY_TOLERANCE_S = 300


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    default_secret: str = field(default="", repr=False)  # for routes without a secret of their own
    timeout_s: float = 10.0
    outbound: OutboundPolicy = field(default_factory=webhook_policy)
    resolver: Resolver = system_resolver


def target_problem(target: str, policy: OutboundPolicy) -> str | None:
    """What is wrong with a webhook target before any DNS: control characters or whitespace, not http(s),
    or a host naming a refused address (`127.1`, `[::1]`, `localhost`, `169.254.169.254`…)."""
    problem = network_url_problem(target)
    if problem is not None:
        return f"the URL {problem}"
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as error:
        return f"not a valid URL: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "a webhook route's target is an http(s) URL with a host"
    try:
        policy.check_literal(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except OutboundRefusedError as error:
        return str(error)
    return None


def pin_target(target: str, policy: OutboundPolicy, resolver: Resolver) -> PinnedUrl:
    """Resolve and check the target's host (blocking); raises `DeliveryError` (not retried) if refused."""
    target = target.strip()
    problem = target_problem(target, policy)
    if problem is not None:
        raise DeliveryError(f"webhook: {problem}", retryable=False)
    try:
        return pin_http_url(target, policy, resolver)
    except OutboundRefusedError as error:
        raise DeliveryError(f"webhook: {error}", retryable=False) from None
    except UnresolvableHostError as error:
        raise DeliveryError(f"webhook: {error}") from None


def status_words(status: int) -> str:
    """`503 Service Unavailable` from the standard's phrase, never the receiver's own words."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


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
            target = await asyncio.wait_for(
                asyncio.to_thread(pin_target, route.target, self._config.outbound, self._config.resolver),
                self._config.timeout_s,
            )
        except TimeoutError:
            raise DeliveryError(
                f"webhook: the host did not resolve within {self._config.timeout_s:g} s"
            ) from None
        headers["Host"] = target.host_header
        extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
        try:
            if self._client is not None:
                response = await self._client.post(
                    target.url,
                    content=body,
                    headers=headers,
                    timeout=self._config.timeout_s,
                    follow_redirects=False,
                    extensions=extensions,
                )
            else:
                async with httpx.AsyncClient(
                    timeout=self._config.timeout_s, verify=self._tls, follow_redirects=False
                ) as client:
                    response = await client.post(
                        target.url, content=body, headers=headers, extensions=extensions
                    )
        except httpx.TimeoutException as error:
            raise DeliveryError(
                f"webhook: no answer within {self._config.timeout_s:g} s ({type(error).__name__})"
            ) from error
        except httpx.ConnectError as error:
            raise DeliveryError("webhook: could not connect to the receiver") from error
        except httpx.RemoteProtocolError as error:  # its text quotes what the receiver sent
            raise DeliveryError("webhook: the receiver's answer is not HTTP") from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook: {type(error).__name__}") from error
        if response.is_success:
            return f"HTTP {response.status_code}"
        status = response.status_code
        if response.is_redirect:
            raise DeliveryError(
                f"webhook: HTTP {status_words(status)}: redirects are not followed (set the final URL)",
                retryable=False,
            )
        # a receiver that is down or busy may come back; one that refuses the request will refuse it again
        retryable = status >= 500 or status in (408, 429)
        raise DeliveryError(f"webhook: HTTP {status_words(status)}", retryable=retryable)
