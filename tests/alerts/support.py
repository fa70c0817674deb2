"""Real servers on loopback for the alert tests (SMTP, HTTP, mosquitto, redis) and incident updates."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.media import shared_media_dir
from vigil.domain import Severity, UpdateKind
from vigil.fusion.model import EvidenceRef, IncidentExplanation, IncidentUpdate, TermContribution
from vigil.security.outbound import parse_networks, webhook_policy

# The test receivers listen on loopback, which webhooks may not reach by default: the tests that deliver
# to them allow it explicitly, as an administrator would allow a receiver on their own network.
LOOPBACK = "127.0.0.0/8"
LOOPBACK_WEBHOOKS = webhook_policy(parse_networks(LOOPBACK))

SMTP_USER = "vigil-mailer"
SMTP_PASSWORD = "smtp-pa55word-never-logged"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def snapshot_jpeg() -> bytes:
    """A real photograph, standing in for an incident snapshot."""
    return (shared_media_dir() / "images" / "bus.jpg").read_bytes()


def update(
    kind: UpdateKind = UpdateKind.OPENED,
    *,
    confidence: float = 0.8,
    incident_id: int = 1,
    camera_id: int = 7,
    label: str = "fight",
    t_s: float = 10.0,
) -> IncidentUpdate:
    evidence = EvidenceRef(label="fight", score=confidence, t_s=t_s, end_s=t_s, track_ids=(3, 4))
    term = TermContribution(
        evidence="action.fight",
        modality="action",
        read="max",
        weight=1.0,
        value=confidence,
        contribution=confidence,
        evidence_items=(evidence,),
    )
    explanation = IncidentExplanation(
        rule=label,
        rule_version="1",
        score=confidence,
        confidence=confidence,
        threshold=0.5,
        close_below=0.3,
        window_s=4.0,
        schedule_factor=1.0,
        schedule=None,
        terms=(term,),
    )
    return IncidentUpdate(
        kind=kind,
        incident_id=incident_id,
        camera_id=camera_id,
        rule=label,
        label=label,
        severity=Severity.HIGH,
        confidence=confidence,
        t_s=t_s,
        started_s=t_s - 2.0,
        ended_s=t_s if kind is UpdateKind.CLOSED else None,
        last_evidence_s=t_s,
        key_evidence_s=t_s,
        sound_span=None,
        explanation=explanation,
    )


# ---- TLS: a self-signed certificate for 127.0.0.1, made per test run ----


@dataclass(frozen=True)
class SelfSigned:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_self_signed(folder: Path) -> SelfSigned:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return SelfSigned(cert_path, key_path)


# ---- SMTP: aiosmtpd ----


@dataclass
class MailSink:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        content = envelope.original_content or b""
        mail = message_from_bytes(content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append(mail)
        return "250 Message accepted for delivery"


def _check_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
    ok = ok and isinstance(auth_data, LoginPassword) and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(
    port: int, *, starttls: SelfSigned | None = None, implicit_tls: SelfSigned | None = None
) -> Iterator[MailSink]:
    """aiosmtpd on 127.0.0.1:port in its own thread; with a certificate, STARTTLS (and login) is required."""
    sink = MailSink()
    server_kwargs: dict[str, Any] = {}
    if starttls is not None:
        server_kwargs = {
            "tls_context": starttls.server_context(),
            "require_starttls": True,
            "authenticator": _check_login,
            "auth_required": True,
        }
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit_tls.server_context() if implicit_tls else None,
        **server_kwargs,
    )
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


# ---- HTTP: aiohttp on loopback ----


@asynccontextmanager
async def http_server(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Receiver:
    """What a receiving service saw, and how it answers: a list of statuses, then 200."""

    requests: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0

    def app(self) -> web.Application:
        async def hook(request: web.Request) -> web.Response:
            self.requests.append((await request.read(), dict(request.headers)))
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            status = self.statuses.pop(0) if self.statuses else 200
            return web.json_response({"ok": status < 300}, status=status)

        app = web.Application()
        app.router.add_post("/hook", hook)
        return app


# ---- mosquitto and redis-server, started by the test ----


def _need(binary: str) -> str:
    path = shutil.which(binary) or next(
        (str(p) for p in (Path("/usr/sbin") / binary, Path("/usr/bin") / binary) if p.exists()), None
    )
    if path is None:
        pytest.fail(f"{binary} is not installed: run scripts/ci/install-system-deps.sh")
    return path


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s} s")


@contextmanager
def _process(args: list[str], port: int, what: str) -> Iterator[int]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process, what)
        yield port
    finally:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        if process.poll() is None:
            process.kill()
            process.wait()


@contextmanager
def mosquitto(folder: Path, port: int | None = None) -> Iterator[int]:
    port = port or free_port()
    config = folder / f"mosquitto-{port}.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    with _process([_need("mosquitto"), "-c", str(config)], port, "mosquitto") as bound:
        yield bound


@contextmanager
def redis_server(port: int | None = None) -> Iterator[int]:
    port = port or free_port()
    args = [
        _need("redis-server"),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with _process(args, port, "redis-server") as bound:
        yield bound


async def wait_until(predicate: Any, timeout_s: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout_s} s")
        await asyncio.sleep(0.02)
