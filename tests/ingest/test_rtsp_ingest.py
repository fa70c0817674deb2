"""An IP camera over real RTSP (GStreamer's server): streaming, cable pulled, frozen, back again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import World, make_settings, world_over_http
from tests.media import plaza, shared_media_dir
from tests.servers.live_server import LiveServer, live_server
from tests.servers.rtsp import RtspCamera

pytestmark = pytest.mark.slow

READ_TIMEOUT_S = 3.0


@pytest.fixture
def camera() -> Iterator[RtspCamera]:
    with RtspCamera() as camera:
        yield camera


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    settings = make_settings(
        tmp_path, file_roots=str(shared_media_dir()), read_timeout_s=READ_TIMEOUT_S, analysis_workers=1
    )
    async with live_server(settings) as server:
        yield server


@pytest.fixture
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def add_camera(world: World, body: dict[str, Any]) -> int:
    response = await world.client.post("/api/v1/cameras", json=body, headers=world["owner"].headers)
    assert response.status_code == 201, response.text
    camera_id: int = response.json()["id"]
    return camera_id


async def health(world: World, camera_id: int) -> dict[str, Any]:
    response = await world.client.get(f"/api/v1/cameras/{camera_id}/health", headers=world["owner"].headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def seconds_until(world: World, camera_id: int, state: str, limit_s: float) -> float:
    """Seconds until the camera's state is `state` (or one of `a|b`)."""
    start = time.monotonic()
    while time.monotonic() - start < limit_s:
        if (await health(world, camera_id))["state"] in state.split("|"):
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"camera {camera_id} not {state} within {limit_s} s: {await health(world, camera_id)}"
    )


async def test_rtsp_camera_streams_survives_a_pulled_cable_and_a_freeze(
    server: LiveServer, world: World, camera: RtspCamera
) -> None:
    rtsp_id = await add_camera(world, {"name": "gate", "kind": "rtsp", "url": camera.url})
    file_id = await add_camera(world, {"name": "lobby", "kind": "file", "url": str(plaza())})
    await seconds_until(world, rtsp_id, "streaming", 10)
    deadline = time.monotonic() + 30
    while (streaming := await health(world, rtsp_id))["fps_analysed"] == 0:
        assert time.monotonic() < deadline, streaming
        await asyncio.sleep(0.25)
    assert streaming["fps_in"] > 0

    pipeline = server.app.state.runtime.pipelines.pipeline(rtsp_id)
    kinds = {packet.stream for packet in pipeline.packets.snapshot()}
    assert kinds == {"video", "audio"}
    chunks = pipeline.audio.snapshot()
    assert len(chunks) >= 4
    assert {chunk.sample_rate for chunk in chunks} == {16_000}
    assert abs(chunks[-1].t_s - pipeline.latest_frame.t_s) < 1.5  # audio and video on one clock

    camera.kill()
    await seconds_until(world, rtsp_id, "offline", 2 * READ_TIMEOUT_S + 1)
    offline = await health(world, rtsp_id)
    assert offline["last_error"]
    assert (await health(world, file_id))["state"] == "streaming"  # the other camera carries on

    await asyncio.sleep(2)
    assert (await health(world, rtsp_id))["reconnects"] >= 1
    camera.restart()
    # the 1 s backoff cap + connecting, then the scenario's 2 s keyframe interval: about 4 s on a quiet
    # machine (the speed is for `make bench`); this tells a camera that comes back from one that does not
    await seconds_until(world, rtsp_id, "reconnecting|streaming", 15)
    await seconds_until(world, rtsp_id, "streaming", 15)

    camera.freeze()
    await seconds_until(world, rtsp_id, "offline", 2 * READ_TIMEOUT_S + 2)
    error = (await health(world, rtsp_id))["last_error"].lower()
    assert "no frames" in error or "timeout" in error
    assert (await health(world, file_id))["state"] == "streaming"
    camera.thaw()
    await seconds_until(world, rtsp_id, "streaming", 3 * READ_TIMEOUT_S + 2)
