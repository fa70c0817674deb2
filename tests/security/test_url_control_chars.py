"""Issue 12, item 2: CR/LF in a camera URL reached FFmpeg's RTSP requests, so a probe of
`rtsp://127.0.0.1:PORT/a\\r\\nSET pwned 1` made a local service receive its own `SET pwned 1` line, and a
saved camera re-sent it on every reconnect. Control characters and whitespace, raw or %-encoded, are
refused anywhere in a source URL (422 at `url`), and again right before FFmpeg would open it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.conftest import World
from tests.security import outbound_support
from tests.security.outbound_support import Listener
from vigil.api.pipelines import apply_camera
from vigil.db.tables import Camera
from vigil.domain import SourceKind
from vigil.ingest.av_source import AvSourceConfig, SourceRefusedError, open_input
from vigil.ingest.probe import probe_source

listener = outbound_support.listener

CAMERAS = "/api/v1/cameras"
PROBE = "/api/v1/cameras/probe"
SMUGGLED = "SET pwned 1"


def attacks(port: int) -> list[str]:
    base = f"rtsp://127.0.0.1:{port}"
    return [
        f"{base}/a\r\n{SMUGGLED}",  # the request line ends early: the rest is a line of its own
        f"{base}/a\n{SMUGGLED}",
        f"{base}/a\r{SMUGGLED}",
        f"{base}/a\t{SMUGGLED}",
        f"{base}/a {SMUGGLED}",  # a space in the request line
        f"{base}/a\x00b",
        f"{base}/a\u2028{SMUGGLED}",  # Unicode line separator
        f"{base}/a%0d%0a{SMUGGLED.replace(' ', '%20')}",  # %-encoded
        f"rtsp://admin%0D%0A{SMUGGLED.replace(' ', '%20')}:pw@127.0.0.1:{port}/a",  # in the credentials
    ]


async def wait_for(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def test_the_listener_hears_a_plain_probe_so_silence_below_means_something(
    world: World, listener: Listener
) -> None:
    url = f"rtsp://127.0.0.1:{listener.port}/a"
    response = await world.client.post(
        PROBE, json={"kind": "rtsp", "url": url}, headers=world["admin"].headers
    )
    assert response.status_code == 200, response.text
    await wait_for(lambda: "OPTIONS" in listener.text or "DESCRIBE" in listener.text)
    assert f"rtsp://127.0.0.1:{listener.port}/a RTSP/1.0" in listener.text


async def test_a_smuggled_line_is_refused_by_the_probe_and_never_sent(
    world: World, listener: Listener
) -> None:
    for url in attacks(listener.port):
        for actor in ("admin", "owner"):
            response = await world.client.post(
                PROBE, json={"kind": "rtsp", "url": url}, headers=world[actor].headers
            )
            assert response.status_code == 422, (url, response.text)
            errors = response.json()["detail"]
            assert errors, response.text
            for error in errors:  # (the body is parsed twice, for the route and for its access check)
                assert error["loc"] == ["body", "url"], error
                assert "control character" in error["msg"] or "whitespace" in error["msg"], error
    await asyncio.sleep(0.2)
    assert listener.connections == 0
    assert SMUGGLED not in listener.text


async def test_create_and_update_refuse_control_characters_in_the_url(
    world: World, listener: Listener
) -> None:
    headers = world["owner"].headers
    for url in attacks(listener.port):
        created = await world.client.post(
            CAMERAS, json={"name": "cam", "kind": "rtsp", "url": url}, headers=headers
        )
        assert created.status_code == 422, (url, created.text)
        assert created.json()["detail"][0]["loc"] == ["body", "url"]
        updated = await world.client.patch(f"{CAMERAS}/{world.camera_id}", json={"url": url}, headers=headers)
        assert updated.status_code == 422, (url, updated.text)
        assert updated.json()["detail"][0]["loc"] == ["body", "url"]
    stored = (await world.client.get(f"{CAMERAS}/{world.camera_id}", headers=headers)).json()
    assert stored["url"] == "rtsp://admin:***@127.0.0.1:9/stream1"  # nothing lost
    # a file path with a line break is refused as well
    bad_file = await world.client.post(
        CAMERAS, json={"name": "f", "kind": "file", "url": "/srv/videos/a\nb.mp4"}, headers=headers
    )
    assert bad_file.status_code == 422
    assert listener.connections == 0


def test_ffmpeg_is_never_handed_such_a_url_even_past_the_api(listener: Listener) -> None:
    for url in attacks(listener.port):
        with pytest.raises(SourceRefusedError, match=r"control character|whitespace"):
            open_input(AvSourceConfig(SourceKind.RTSP, url, open_timeout_s=1, read_timeout_s=1))
        result = probe_source(SourceKind.RTSP, url, open_timeout_s=1, read_timeout_s=1, deadline_s=2)
        assert result.reachable is False
        assert result.error is not None
        assert "refused" in result.error
    assert listener.connections == 0


async def test_a_camera_stored_with_such_a_url_before_the_fix_is_not_opened(
    world: World, listener: Listener
) -> None:
    async with world.app.state.runtime.session_factory() as db:
        camera = Camera(
            name="old",
            kind=SourceKind.RTSP,
            url=f"rtsp://127.0.0.1:{listener.port}/a\r\n{SMUGGLED}",
            owner_id=world["owner"].id,
        )
        db.add(camera)
        await db.commit()
        await db.refresh(camera)
    await apply_camera(world.app.state.runtime, camera)  # as at start-up, or after any change

    async def health() -> dict[str, Any]:
        response = await world.client.get(f"{CAMERAS}/{camera.id}/health", headers=world["owner"].headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    deadline = time.monotonic() + 10
    while (state := await health())["state"] != "error":
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.1)
    assert "control character" in state["last_error"], state
    await asyncio.sleep(1.5)  # longer than the reconnect backoff: it is not retried either
    assert (await health())["reconnects"] == 0
    assert listener.connections == 0
