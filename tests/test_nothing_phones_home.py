"""Nothing leaves this machine unless a user configured it: `vigil serve` runs under strace through a
realistic session (an account, an RTSP camera from the GStreamer test server, the plaza's scream becoming an
incident, alerts by e-mail and webhook to receivers on loopback), and every `connect` and `sendto` of the
server and its model workers must stay on loopback or Unix sockets, with no DNS query at all.

The server stays up for more than `TELEMETRY_DELAY_S` after its model workers opened their first
onnxruntime session: onnxruntime's telemetry (off in `vigil/__init__.py`) resolves its collector about
10 s after a session opens, which this test catches when the switch is removed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.support import LOOPBACK, MailSink, Receiver, free_port, http_server, smtp_server
from tests.servers.rtsp import RtspCamera
from tests.servers.vigil_process import admin_headers, start_vigil

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

STRACE = "/usr/bin/strace"
TELEMETRY_DELAY_S = 15.0
SOCKADDR = re.compile(r"\{sa_family=(AF_INET6?|AF_UNIX|AF_NETLINK|AF_UNSPEC)[^}]*\}")
PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
IPV4 = re.compile(r'inet_addr\("([^"]+)"\)')
IPV6 = re.compile(r'inet_pton\(AF_INET6, "([^"]+)"')


@dataclass(frozen=True)
class Outbound:
    line: str
    address: str
    port: int


def outbound_calls(trace: str) -> list[Outbound]:
    """Every socket address off loopback in a connect or send, and every one to port 53 (DNS) anywhere."""
    found = []
    for line in trace.splitlines():
        for sockaddr in SOCKADDR.finditer(line):
            family = sockaddr.group(1)
            if family not in ("AF_INET", "AF_INET6"):
                continue  # Unix sockets, netlink (the kernel), AF_UNSPEC (a UDP socket's disconnect)
            text = sockaddr.group(0)
            port_match, address_match = (
                PORT.search(text),
                (IPV4 if family == "AF_INET" else IPV6).search(text),
            )
            if port_match is None or address_match is None:
                found.append(Outbound(line, "?", -1))
                continue
            address, port = address_match.group(1), int(port_match.group(1))
            ip = ipaddress.ip_address(address)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            if not ip.is_loopback or port == 53:
                found.append(Outbound(line, address, port))
    return found


def test_the_parser_flags_what_leaves_and_passes_what_stays() -> None:
    inet = '{sa_family=AF_INET, sin_port=htons(%d), sin_addr=inet_addr("%s")}'
    inet6 = '{sa_family=AF_INET6, sin6_port=htons(%d), inet_pton(AF_INET6, "%s", &sin6_addr)}'
    trace = "\n".join(
        [
            f"7198  connect(8, {inet % (53, '10.255.255.53')}, 16 <unfinished ...>",
            f'7201  sendto(9, "x", 50, 0, {inet % (53, "127.0.0.53")}, 16) = 50',
            f"7202  connect(3, {inet6 % (443, '2001:db8::1')}, 28) = -1 ENETUNREACH",
            f"7203  connect(5, {inet % (8554, '127.0.0.1')}, 16) = 0",
            f"7204  connect(6, {inet6 % (80, '::1')}, 28) = 0",
            '7205  connect(7, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT',
            "7206  sendto(4, [{nlmsg_len=20}], 20, 0, {sa_family=AF_NETLINK, nl_pid=0}, 12) = 20",
            '7207  sendto(9, "hello", 5, MSG_NOSIGNAL, NULL, 0) = 5',
        ]
    )
    flagged = [(o.address, o.port) for o in outbound_calls(trace)]
    assert flagged == [("10.255.255.53", 53), ("127.0.0.53", 53), ("2001:db8::1", 443)]


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    port = free_port()
    with smtp_server(port) as sink:
        yield sink, port


async def wait_for(client: httpx.AsyncClient, path: str, done: Any, what: str, timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = (await client.get(path)).json()
        if done(answer):
            return answer
        await asyncio.sleep(0.5)
    pytest.fail(f"waited {timeout_s} s for {what}")


async def test_a_whole_session_sends_nothing_off_this_machine(
    tmp_path: Path, mail: tuple[MailSink, int]
) -> None:
    if shutil.which(STRACE) is None:
        pytest.fail("strace is not installed: run scripts/ci/install-system-deps.sh")
    trace = tmp_path / "strace.txt"
    sink, smtp_port = mail
    receiver = Receiver()
    env = {
        "VIGIL_ANALYSIS_WORKERS": "1",
        "VIGIL_SMTP_HOST": "127.0.0.1",
        "VIGIL_SMTP_PORT": str(smtp_port),
        "VIGIL_SMTP_SECURITY": "none",
        "VIGIL_OUTBOUND_ALLOW_WEBHOOKS": LOOPBACK,  # the receiver below listens on loopback
    }
    calls = "trace=connect,sendto,sendmsg,sendmmsg"
    strace = [STRACE, "-f", "--seccomp-bpf", "-e", calls, "-o", str(trace)]
    server = start_vigil(tmp_path / "data", tmp_path / "vigil.log", env, command=strace)
    try:
        async with (
            http_server(receiver.app()) as hook_base,
            httpx.AsyncClient(base_url=server.url, headers=admin_headers(server.url), timeout=20) as client,
        ):
            for route in (
                {"channel": "email", "target": "guard@example.org", "labels": ["distress"]},
                {"channel": "webhook", "target": f"{hook_base}/hook", "webhook_secret": "s" * 24},
            ):
                made = await client.post("/api/v1/alert-routes", json=route)
                assert made.status_code == 201, made.text
            with RtspCamera() as camera:
                created = await client.post(
                    "/api/v1/cameras", json={"name": "Plaza", "kind": "rtsp", "url": camera.url}
                )
                assert created.status_code == 201, created.text
                health = f"/api/v1/cameras/{created.json()['id']}/health"
                await wait_for(client, health, lambda h: h["fps_analysed"] > 0, "analysed frames", 90)
                sessions_open = time.monotonic()  # the worker's onnxruntime sessions opened by now
                await wait_for(
                    client,
                    "/api/v1/incidents",
                    lambda page: any(i["label"] == "distress" for i in page["items"]),
                    "the scream's distress incident",
                    120,
                )
                while len(sink.messages) < 1 or len(receiver.requests) < 1:
                    assert time.monotonic() - sessions_open < 180, "the alerts did not arrive"
                    await asyncio.sleep(0.5)
                await asyncio.sleep(max(0.0, TELEMETRY_DELAY_S + 2 - (time.monotonic() - sessions_open)))
    finally:
        server.stop()
    calls = trace.read_text(errors="replace")
    assert "connect(" in calls  # strace saw the server's own loopback traffic: the trace is real
    leaks = outbound_calls(calls)
    assert leaks == [], "traffic off this machine:\n" + "\n".join(o.line for o in leaks[:20])
