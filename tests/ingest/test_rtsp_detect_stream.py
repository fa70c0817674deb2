"""An RTSP camera with a detect substream (Frigate's "detect" role) over real RTSP: the substream's small
frames are analysed, the main stream's packets (full size, with sound) make the clips, both on one clock;
a substream that goes away shows in the camera's health and comes back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import World, make_settings, world_over_http
from tests.ingest.test_av_source import drain
from tests.ingest.test_rtsp_ingest import add_camera, health, seconds_until
from tests.media import shared_media_dir
from tests.servers.live_server import live_server
from tests.servers.rtsp import RtspCamera, plaza_incident
from vigil.cli.bench import resized_copy
from vigil.domain import EncodedPacket, SourceKind
from vigil.ingest.av_source import AvSourceConfig
from vigil.ingest.split_source import SplitSource

pytestmark = pytest.mark.slow

SUB_SIZE = (384, 288)  # the plaza's 768×576, halved
SUB_SECONDS = 20


@pytest.fixture(scope="module")
def substream_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("substream") / "plaza_sub.mp4"
    return resized_copy(plaza_incident(), SUB_SIZE, SUB_SECONDS, target)


@pytest.fixture
def main_camera() -> Iterator[RtspCamera]:
    with RtspCamera(mount="/main") as camera:
        yield camera


@pytest.fixture
def sub_camera(substream_file: Path) -> Iterator[RtspCamera]:
    with RtspCamera(substream_file, mount="/sub") as camera:
        yield camera


async def test_substream_frames_are_analysed_and_the_main_streams_packets_kept(
    main_camera: RtspCamera, sub_camera: RtspCamera
) -> None:
    packets: list[EncodedPacket] = []
    main = AvSourceConfig(kind=SourceKind.RTSP, url=main_camera.url)
    source = SplitSource(7, main, AvSourceConfig(kind=SourceKind.RTSP, url=sub_camera.url), packets.append)
    try:
        frames, chunks = await drain(
            source, limit_s=30, enough=lambda frames, chunks: len(frames) >= 40 and len(chunks) >= 8
        )
        state = source.health()
    finally:
        await source.close()

    assert {(f.image.shape[1], f.image.shape[0]) for f in frames} == {SUB_SIZE}, "frames: the substream's"
    video = [p for p in packets if p.stream == "video"]
    assert video, "clips get the main stream's video"
    assert any(p.stream == "audio" for p in packets), "and its sound"
    assert {(p.info.width, p.info.height) for p in video if p.info is not None} == {(768, 576)}
    # one clock: the newest frame and the newest main-stream packet are close in camera time
    assert abs(frames[-1].t_s - video[-1].t_s) < 1.5, (frames[-1].t_s, video[-1].t_s)
    assert abs(chunks[-1].t_s - frames[-1].t_s) < 2.5, (chunks[-1].t_s, frames[-1].t_s)
    assert state.state == "streaming", state
    assert state.fps_in > 0
    assert state.last_error is None


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = make_settings(
        tmp_path, file_roots=str(shared_media_dir()), read_timeout_s=3.0, analysis_workers=1
    )
    async with live_server(settings) as server, world_over_http(server.app, server.url) as world:
        yield world


async def test_a_camera_with_a_substream_is_analysed_and_says_when_the_substream_is_gone(
    world: World, main_camera: RtspCamera, sub_camera: RtspCamera
) -> None:
    camera_id = await add_camera(
        world, {"name": "gate", "kind": "rtsp", "url": main_camera.url, "detect_url": sub_camera.url}
    )
    await seconds_until(world, camera_id, "streaming", 15)
    deadline = time.monotonic() + 30
    while (state := await health(world, camera_id))["fps_analysed"] == 0:
        assert time.monotonic() < deadline, state
        await asyncio.sleep(0.25)

    sub_camera.kill()
    await seconds_until(world, camera_id, "offline|reconnecting", 15)
    gone = await health(world, camera_id)
    assert str(gone["last_error"]).startswith("detect stream:"), gone

    sub_camera.restart()
    await seconds_until(world, camera_id, "streaming", 30)
