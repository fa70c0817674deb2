"""Web Push (RFC 8030): the incident, its snapshot as a small thumbnail and its link, to every browser or
phone the route's owner subscribed, encrypted for each (RFC 8291, aes128gcm) and signed with this server's
VAPID key (RFC 8292). `pywebpush` encrypts and `py_vapid` signs; the request itself goes through httpx to
the push service's address after the outbound policy checked it (public addresses only by default), like
webhooks. The dashboard's service worker shows the notification and opens the incident on click.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from py_vapid import Vapid02
from pywebpush import WebPusher

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind
from vigil.security.outbound import (
    OutboundPolicy,
    OutboundRefusedError,
    PinnedUrl,
    Resolver,
    UnresolvableHostError,
    literal_addresses,
    pin_http_url,
    push_policy,
    system_resolver,
)
from vigil.security.urls import network_url_problem

# Push services must accept 4096 bytes of encrypted body (RFC 8030 §7.2); aes128gcm adds 86 bytes of header,
# 16 of tag and 1 of padding delimiter: the plaintext stays below 3993. Kept lower for margin.
MAX_PAYLOAD_BYTES = 3800
THUMBNAIL_SIZES = ((160, 120), (128, 96), (96, 72), (64, 48))
THUMBNAIL_QUALITIES = (60, 40, 25)
VAPID_KEY_FILE = ".vapid_private.pem"
TTL_S = 24 * 3600
MAX_ENDPOINT_CHARS = 2048


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """What the browser's `PushManager.subscribe` gave: the push service URL and the keys to encrypt for."""

    id: int
    endpoint: str
    p256dh: str = field(repr=False)  # base64url of the browser's P-256 public key
    auth: str = field(repr=False)  # base64url of the 16-byte authentication secret


SubscriptionsOf = Callable[[int], Awaitable[Sequence[PushSubscription]]]
"""route id → its owner's subscriptions."""
ForgetSubscription = Callable[[int], Awaitable[None]]
"""A subscription the push service says is gone (404/410) is deleted by id."""


def endpoint_problem(endpoint: str, policy: OutboundPolicy) -> str | None:
    """What is wrong with a push endpoint before any DNS: too long, control characters, not https (plain
    http only to an address the allow list names), or a host naming a refused address."""
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        return f"the endpoint is longer than {MAX_ENDPOINT_CHARS} characters"
    problem = network_url_problem(endpoint)
    if problem is not None:
        return f"the endpoint {problem}"
    try:
        parts = urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        return f"the endpoint is not a valid URL: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the endpoint is an https URL of a push service"
    if parts.username or parts.password:
        return "the endpoint may not carry a user name or password"
    try:
        policy.check_literal(parts.hostname, port)
    except OutboundRefusedError as error:
        return str(error)
    if parts.scheme == "http":
        addresses = literal_addresses(parts.hostname)
        if not addresses or not all(any(a in n for n in policy.allowed) for a in addresses):
            return (
                "the endpoint is an https URL (plain http only to an address VIGIL_OUTBOUND_ALLOW_PUSH names)"
            )
    return None


# ---- VAPID keys: made on first use, kept like the signing key ----


def vapid_key(data_dir: Path) -> Vapid02:
    """This server's VAPID key, from `<data_dir>/.vapid_private.pem`, made there (mode 0600) on first use:
    browsers subscribed with its public key, so it must survive restarts."""
    path = data_dir / VAPID_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(pem)
    return Vapid02.from_pem(path.read_bytes())


def application_server_key(key: Vapid02) -> str:
    """The public key as `PushManager.subscribe({applicationServerKey})` takes it (base64url, no padding)."""
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# ---- what a notification says ----


def thumbnail_data_url(jpeg: bytes, max_bytes: int) -> str | None:
    """The snapshot as a small JPEG data URL of at most `max_bytes` characters (None if none fits)."""
    try:
        with Image.open(io.BytesIO(jpeg)) as opened:
            image = opened.convert("RGB")
    except (OSError, ValueError):
        return None
    for size in THUMBNAIL_SIZES:
        small = image.copy()
        small.thumbnail(size)
        for quality in THUMBNAIL_QUALITIES:
            buffer = io.BytesIO()
            small.save(buffer, "JPEG", quality=quality, optimize=True)
            url = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
            if len(url) <= max_bytes:
                return url
    return None


def push_payload(message: AlertMessage, thumbnail: str | None) -> dict[str, object]:
    """What the service worker reads: `title`, `body`, `url` (opened on click), `tag` (one notification per
    incident, replaced by its updates), `image` (the thumbnail, when it fits), and the facts."""
    payload: dict[str, object] = {
        "title": f"Vigil: {message.headline}",
        "body": f"{message.camera_name}: {message.summary}"[:300],
        "url": message.incident_url,
        "tag": f"vigil-incident-{message.incident_id}",
        "kind": message.kind.value,
        "incident_id": message.incident_id,
        "label": message.label,
        "severity": message.severity.value,
        "confidence": round(message.confidence, 4),
        "camera": {"id": message.camera_id, "name": message.camera_name},
        "occurred_at": message.occurred_at.isoformat(),
    }
    if thumbnail is not None:
        payload["image"] = thumbnail
    return payload


def encode_payload(message: AlertMessage) -> bytes:
    """The JSON payload, with the largest thumbnail that keeps it within `MAX_PAYLOAD_BYTES` (blocking)."""
    bare = json.dumps(push_payload(message, None), separators=(",", ":")).encode()
    if len(bare) > MAX_PAYLOAD_BYTES:  # a very long camera name or summary: cut the body
        raise DeliveryError("webpush: the notification is too large", retryable=False)
    thumbnail = None
    if message.snapshot_jpeg is not None:
        room = MAX_PAYLOAD_BYTES - len(bare) - len(',"image":""')
        thumbnail = thumbnail_data_url(message.snapshot_jpeg, room)
    return json.dumps(push_payload(message, thumbnail), separators=(",", ":")).encode()


# ---- sending ----


@dataclass(frozen=True, slots=True)
class WebPushConfig:
    key: Vapid02 = field(repr=False)
    subject: str  # `mailto:` or `https:` contact of this server's operator (RFC 8292 `sub`)
    subscriptions_of: SubscriptionsOf
    forget: ForgetSubscription
    outbound: OutboundPolicy = field(default_factory=push_policy)
    resolver: Resolver = system_resolver
    timeout_s: float = 10.0


def _pin(endpoint: str, policy: OutboundPolicy, resolver: Resolver) -> PinnedUrl:
    """The endpoint pointed at its checked address (blocking); raises DeliveryError if refused."""
    problem = endpoint_problem(endpoint, policy)
    if problem is not None:
        raise DeliveryError(f"webpush: {problem}", retryable=False)
    try:
        return pin_http_url(endpoint, policy, resolver)
    except OutboundRefusedError as error:
        raise DeliveryError(f"webpush: {error}", retryable=False) from None
    except UnresolvableHostError as error:
        raise DeliveryError(f"webpush: {error}") from None


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True, slots=True)
class PushOutcome:
    delivered: bool
    retryable: bool
    words: str


class WebPushChannel:
    kind = ChannelKind.WEBPUSH

    def __init__(self, config: WebPushConfig | None, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._client = client

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        config = self._config
        if config is None:
            raise ChannelNotConfiguredError("Web Push is not available in this process")
        subscriptions = await config.subscriptions_of(route.id)
        if not subscriptions:
            raise ChannelNotConfiguredError(
                "no device of the route's owner is subscribed (turn notifications on in the dashboard)"
            )
        body = await asyncio.to_thread(encode_payload, message)
        outcomes = [
            await self._push(config, subscription, body, delivery_id) for subscription in subscriptions
        ]
        sent = sum(outcome.delivered for outcome in outcomes)
        summary = "; ".join(outcome.words for outcome in outcomes)
        if sent:
            return f"pushed to {sent} of {len(outcomes)} device(s): {summary}"
        raise DeliveryError(f"webpush: {summary}", retryable=any(outcome.retryable for outcome in outcomes))

    async def _push(
        self, config: WebPushConfig, subscription: PushSubscription, body: bytes, delivery_id: str
    ) -> PushOutcome:
        name = f"device {subscription.id}"
        try:
            pinned = await asyncio.wait_for(
                asyncio.to_thread(_pin, subscription.endpoint, config.outbound, config.resolver),
                config.timeout_s,
            )
        except TimeoutError:
            return PushOutcome(False, True, f"{name}: the push service's host did not resolve in time")
        except DeliveryError as error:
            return PushOutcome(False, error.retryable, f"{name}: {error.reason.removeprefix('webpush: ')}")
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        encrypted = WebPusher(info).encode(body, "aes128gcm")["body"]
        claims = {
            "sub": config.subject,
            "aud": _origin(subscription.endpoint),
            "exp": int(time.time()) + 12 * 3600,
        }
        headers = {
            **config.key.sign(claims),  # Authorization: vapid t=<JWT>, k=<public key>
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_S),
            "Urgency": "high",
            "Topic": delivery_id[:32] if delivery_id else "vigil",
            "Host": pinned.host_header,
        }
        extensions = {"sni_hostname": pinned.sni_hostname} if pinned.sni_hostname else None
        try:
            if self._client is not None:
                response = await self._client.post(
                    pinned.url,
                    content=encrypted,
                    headers=headers,
                    timeout=config.timeout_s,
                    extensions=extensions,
                )
            else:
                async with httpx.AsyncClient(timeout=config.timeout_s, follow_redirects=False) as client:
                    response = await client.post(
                        pinned.url, content=encrypted, headers=headers, extensions=extensions
                    )
        except httpx.TimeoutException:
            return PushOutcome(False, True, f"{name}: no answer within {config.timeout_s:g} s")
        except httpx.HTTPError as error:
            return PushOutcome(
                False, True, f"{name}: could not reach the push service ({type(error).__name__})"
            )
        status = response.status_code
        if response.is_success:
            return PushOutcome(True, False, f"{name}: HTTP {status}")
        if status in (404, 410):  # the browser unsubscribed, or the subscription expired
            await config.forget(subscription.id)
            return PushOutcome(False, False, f"{name}: the subscription has expired (HTTP {status}); removed")
        try:
            words = f"{status} {HTTPStatus(status).phrase}"
        except ValueError:
            words = str(status)
        return PushOutcome(False, status >= 500 or status == 429, f"{name}: HTTP {words}")
