"""Request bodies as an attacker sent them: 42 MB of JSON before any login, a body streamed without a length,
and a 422 that echoed a 20 MB input back.

Bodies over the cap (1 MiB by default; the rules routes 2 MiB) are answered 413 `BODY_TOO_LARGE` before
they are read, and a 422 echoes each wrong value as a short preview.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import World, make_settings
from tests.security.latency import assert_health_prompt_while
from tests.servers.live_server import LiveServer, live_server
from vigil.api.errors import MAX_ECHO_CHARS, MAX_ECHO_ITEMS

MIB = 1024 * 1024
ATTACK_BYTES = 42_000_000


@pytest.fixture
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(tmp_path_factory.mktemp("limits"))) as server:
        yield server


async def raw_request(server: LiveServer, head: str, body_parts: list[bytes]) -> tuple[str, int]:
    """Send a request by hand, part by part while the server reads; its status line, body bytes sent."""
    address = urlsplit(server.url)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    sent = 0

    async def send_all() -> None:
        nonlocal sent
        writer.write(head.encode())
        for part in body_parts:
            writer.write(part)
            await writer.drain()  # waits while the server does not read
            sent += len(part)

    sending = asyncio.create_task(send_all())
    try:
        status_line = await asyncio.wait_for(reader.readline(), 20)
    finally:
        sending.cancel()
        with contextlib.suppress(BaseException):
            await sending
        writer.close()
    return status_line.decode().strip(), sent


async def test_a_declared_42_mb_body_is_refused_before_it_is_read(server: LiveServer) -> None:
    head = (
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: vigil.test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {ATTACK_BYTES}\r\n\r\n"
    )
    status_line, sent = await raw_request(server, head, [b"{" + b" " * 65535] * 8)
    assert status_line == "HTTP/1.1 413 Request Entity Too Large", status_line
    assert sent < ATTACK_BYTES


async def test_a_chunked_body_without_a_length_is_counted_and_cut_at_the_cap(server: LiveServer) -> None:
    head = (
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: vigil.test\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
    status_line, sent = await raw_request(server, head, [chunk] * (ATTACK_BYTES // 65536))
    assert status_line == "HTTP/1.1 413 Request Entity Too Large", status_line
    assert sent < ATTACK_BYTES / 2  # what loopback's socket buffers took before the answer (~9 MB)


async def test_health_answers_while_42_mb_are_sent(server: LiveServer) -> None:
    head = (
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: vigil.test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {ATTACK_BYTES}\r\n\r\n"
    )
    parts = [b"{" + b" " * 65535] * (ATTACK_BYTES // 65536)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        status_line, _ = await assert_health_prompt_while(  # refused at once: one probe or two fit in
            client, lambda: raw_request(server, head, parts), min_probes=1
        )
    assert status_line == "HTTP/1.1 413 Request Entity Too Large"


async def test_the_rules_routes_take_larger_bodies_than_the_rest(world: World) -> None:
    """A 200,000-character draft of accented letters is 1.2 MB as escaped JSON: the rules routes take it
    (and find its problems); a camera of that size is refused before it is read."""
    text = "é" * 199_000
    body = json.dumps({"text": text}, ensure_ascii=True)
    assert MIB < len(body) < 2 * MIB
    headers = {**world["viewer"].headers, "Content-Type": "application/json"}
    check = await world.client.post("/api/v1/rules/check", content=body, headers=headers)
    assert check.status_code == 200, check.text
    assert check.json()["valid"] is False
    owner = {**world["owner"].headers, "Content-Type": "application/json"}
    camera = json.dumps({"name": text, "kind": "rtsp"}, ensure_ascii=True)
    refused = await world.client.post("/api/v1/cameras", content=camera, headers=owner)
    assert (refused.status_code, refused.json()) == (413, {"detail": "BODY_TOO_LARGE"})
    too_long = json.dumps({"text": text * 2}, ensure_ascii=True)
    refused = await world.client.post("/api/v1/rules/check", content=too_long, headers=headers)
    assert (refused.status_code, refused.json()) == (413, {"detail": "BODY_TOO_LARGE"})


async def test_a_422_echoes_a_short_preview_of_a_long_value(world: World) -> None:
    name = "x" * 900_000
    answer = await world.client.post(
        "/api/v1/cameras", json={"name": name, "kind": "rtsp"}, headers=world["owner"].headers
    )
    assert answer.status_code == 422
    assert len(answer.content) < 2000
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert error["input"] == "x" * MAX_ECHO_CHARS + "… (900000 characters)"


async def test_a_422_summarises_a_large_container(world: World) -> None:
    zones = [{"name": f"z{i}", "kind": "loiter", "points": [[0, 0], [1, 0], [1, 1]]} for i in range(5000)]
    answer = await world.client.post(
        "/api/v1/cameras",
        json={"name": "cam", "kind": "rtsp", "zones": zones},
        headers=world["owner"].headers,
    )
    assert answer.status_code == 422
    assert len(answer.content) < 5000
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "zones"]
    echoed = error["input"]
    assert len(echoed) == MAX_ECHO_ITEMS + 1
    assert echoed[-1] == f"… {5000 - MAX_ECHO_ITEMS} more items"
