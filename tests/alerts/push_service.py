"""A local push service speaking the Web Push protocol, the one stand-in the tests allow: the browser
vendors' push services (FCM, Mozilla's autopush, Apple's) are off this machine.

It plays both ends a browser would: `subscribe(application_server_key)` makes a user agent key pair and
auth secret and returns what `PushSubscription.toJSON()` gives; a `POST /push/<token>` (RFC 8030 §5) is
checked like a push service checks it — a `TTL` header, `Content-Encoding: aes128gcm`, a VAPID
`Authorization: vapid t=<JWT>, k=<key>` (RFC 8292) whose key is the one the subscription was made with,
whose ES256 signature verifies, whose `aud` is this service's origin and `exp` within 24 hours — and then
the body is decrypted as the browser would (RFC 8291 key derivation, RFC 8188 aes128gcm records), written
here with `cryptography` alone so a bug in the sender's library is not mirrored by the receiver.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


class PushRefusedError(ValueError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class UserAgent:
    """One subscription's browser side: its P-256 key pair and auth secret (RFC 8291 §2)."""

    token: str
    application_server_key: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8188 header (salt, record size, key id = the sender's ephemeral public key), then RFC 8291's
        key derivation, then each record decrypted and its padding removed."""
        if len(body) < 21:
            raise PushRefusedError(400, "body shorter than the aes128gcm header")
        salt, (record_size,), id_length = body[:16], struct.unpack(">I", body[16:20]), body[20]
        sender_public = body[21 : 21 + id_length]
        records = body[21 + id_length :]
        if id_length != 65 or record_size < 18:
            raise PushRefusedError(400, "the key id is not a P-256 public key, or the record size is wrong")
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
        shared = self.private_key.exchange(ec.ECDH(), as_public)
        ua_public = _point(self.private_key.public_key())
        ikm = _hkdf(self.auth_secret, shared, b"WebPush: info\x00" + ua_public + sender_public, 32)
        cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)
        plain = b""
        chunks = [records[i : i + record_size] for i in range(0, len(records), record_size)]
        for sequence, chunk in enumerate(chunks):
            iv = (int.from_bytes(nonce, "big") ^ sequence).to_bytes(12, "big")
            record = AESGCM(cek).decrypt(iv, chunk, None)
            stripped = record.rstrip(b"\x00")
            last = sequence == len(chunks) - 1
            delimiter = stripped[-1:]
            if delimiter != (b"\x02" if last else b"\x01"):
                raise PushRefusedError(400, "bad record padding delimiter")
            plain += stripped[:-1]
        return plain


@dataclass
class Pushed:
    """One accepted push message, decrypted, with what the push service checked."""

    token: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]


@dataclass
class PushService:
    url: str = ""
    agents: dict[str, UserAgent] = field(default_factory=dict)
    received: list[Pushed] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  # tokens answered 410 Gone (unsubscribed)

    def subscribe(self, application_server_key: str) -> dict[str, Any]:
        """What a browser's `pushManager.subscribe({applicationServerKey})` then `.toJSON()` gives."""
        token = secrets.token_urlsafe(24)
        agent = UserAgent(
            token, application_server_key, ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        )
        self.agents[token] = agent
        return {
            "endpoint": f"{self.url}/push/{token}",
            "expirationTime": None,
            "keys": {
                "p256dh": b64url(_point(agent.private_key.public_key())),
                "auth": b64url(agent.auth_secret),
            },
        }

    def check(self, request_headers: dict[str, str], token: str, body: bytes) -> Pushed:
        agent = self.agents.get(token)
        if agent is None:
            raise PushRefusedError(404, "no such subscription")
        if token in self.gone:
            raise PushRefusedError(410, "unsubscribed")
        headers = {k.lower(): v for k, v in request_headers.items()}
        if "ttl" not in headers or not headers["ttl"].isdigit():
            raise PushRefusedError(400, "TTL header missing (RFC 8030 §5.2)")
        if headers.get("content-encoding") != "aes128gcm":
            raise PushRefusedError(415, "Content-Encoding is not aes128gcm")
        scheme, _, params = headers.get("authorization", "").partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
        if scheme.lower() != "vapid" or "t" not in fields or "k" not in fields:
            raise PushRefusedError(401, "no VAPID Authorization (RFC 8292 §3)")
        if fields["k"].rstrip("=") != agent.application_server_key.rstrip("="):
            raise PushRefusedError(403, "the VAPID key is not the one the subscription was made with")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
        try:
            claims: dict[str, Any] = jwt.decode(
                fields["t"],
                public,
                algorithms=["ES256"],
                audience=self.url,
                options={"require": ["exp", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise PushRefusedError(403, f"VAPID JWT refused: {error}") from None
        if claims["exp"] > time.time() + 24 * 3600:
            raise PushRefusedError(403, "VAPID exp more than 24 hours ahead (RFC 8292 §2)")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise PushRefusedError(403, "VAPID sub is not a mailto: or https: contact")
        if len(body) > 4096:
            raise PushRefusedError(413, "payload larger than 4096 bytes (RFC 8030 §7.2)")
        payload = json.loads(agent.decrypt(body))
        return Pushed(token, payload, headers, claims)

    def app(self) -> web.Application:
        async def push(request: web.Request) -> web.Response:
            token = request.match_info["token"]
            try:
                pushed = self.check(dict(request.headers), token, await request.read())
            except PushRefusedError as error:
                self.refused.append((error.status, error.reason))
                return web.Response(status=error.status, text=error.reason)
            self.received.append(pushed)
            return web.Response(status=201, headers={"Location": f"{self.url}/message/{len(self.received)}"})

        app = web.Application()
        app.router.add_post("/push/{token}", push)
        return app
