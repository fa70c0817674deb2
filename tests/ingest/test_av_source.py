"""Files, wrong URLs, corrupt and non-video inputs through the PyAV source (RTSP has its own tests)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.media import make_clip, plaza, shared_media_dir
from tests.servers.live_server import free_port
from tests.servers.rtsp import RtspCamera
from vigil.domain import AudioChunk, Frame, SourceKind
from vigil.ingest.av_source import AvSource, AvSourceConfig, usb_device
from vigil.ingest.base import Source
from vigil.ingest.health import SourceHealth


async def drain(
    source: Source,
    limit_s: float = 60,
    enough: Callable[[list[Frame], list[AudioChunk]], bool] = lambda _frames, _chunks: False,
) -> tuple[list[Frame], list[AudioChunk]]:
    """The source's frames and sound until it ends, or until `enough` of them came (at most `limit_s`)."""
    frames: list[Frame] = []
    chunks: list[AudioChunk] = []

    async def read() -> None:
        async for item in source:
            if isinstance(item, Frame):
                frames.append(item)
            elif isinstance(item, AudioChunk):
                chunks.append(item)
            if enough(frames, chunks):
                return

    await asyncio.wait_for(read(), timeout=limit_s)
    return frames, chunks


async def health_when(source: AvSource, wanted: str, within_s: float) -> SourceHealth:
    source.start()
    for _ in range(int(within_s * 20)):
        health = source.health()
        if health.state == wanted:
            return health
        await asyncio.sleep(0.05)
    raise AssertionError(f"state {source.health()} did not become {wanted} within {within_s} s")


def file_source(path: Path, **options: object) -> AvSource:
    return AvSource(1, AvSourceConfig(SourceKind.FILE, str(path), **options))  # type: ignore[arg-type]


async def test_scenario_file_gives_frames_and_audio_on_one_clock() -> None:
    source = file_source(plaza(), loop=False, realtime=False, max_convert_fps=5)
    frames, chunks = await drain(source)
    assert source.health().state == "ended"
    assert frames[0].image.shape == (576, 768, 3)
    assert 390 <= len(frames) <= 400  # 79.5 s sampled at 5 of its 10 fps
    assert frames[-1].t_s == pytest.approx(79.4, abs=0.3)
    assert all(b.t_s > a.t_s for a, b in itertools.pairwise(frames))
    assert {c.sample_rate for c in chunks} == {16_000}
    assert chunks[-1].t_s + chunks[-1].duration_s == pytest.approx(79.5, abs=0.6)
    for before, after in itertools.pairwise(chunks):
        assert after.t_s == pytest.approx(before.t_s + before.duration_s, abs=1e-6)

    # The scenario's sound events are where its JSON says: louder than the city bed around them.
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    samples = np.concatenate([c.samples for c in chunks])
    start = chunks[0].t_s

    def rms(t0: float, t1: float) -> float:
        piece = samples[int((t0 - start) * 16_000) : int((t1 - start) * 16_000)]
        return float(np.sqrt(np.mean(piece**2)))

    for event in truth["audio_events"]:
        during = rms(event["t_start"], event["t_end"])
        before = rms(event["t_start"] - 4, event["t_start"] - 1)
        assert during > 1.5 * before, event["label"]


async def test_looping_file_keeps_time_increasing(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "short.mp4", seconds=1.0)
    source = file_source(clip, loop=True, realtime=False)
    times: list[float] = []
    async for item in source:
        if isinstance(item, Frame):
            times.append(item.t_s)
            if len(times) == 35:
                break
    await source.close()
    assert times[-1] > 3.0
    assert all(b > a for a, b in itertools.pairwise(times))


async def test_realtime_file_is_paced_at_its_frame_rate(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "paced.mp4", seconds=30.0, fps=10)
    source = file_source(clip, loop=False, realtime=True)
    count = 0

    async def read() -> None:
        nonlocal count
        async for item in source:
            count += isinstance(item, Frame)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(read(), timeout=2.0)
    await source.close()
    assert 12 <= count <= 30  # about 20 in 2 s; unpaced it would be all 300


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x00\x01garbage" * 500, "not a readable video"),
        (None, "no video stream"),
    ],
)
async def test_unreadable_files_are_an_error_state_in_words(
    tmp_path: Path, content: bytes | None, words: str
) -> None:
    if content is None:
        path = shared_media_dir() / "audio" / "scream1.wav"
    else:
        path = tmp_path / "corrupt.mp4"
        path.write_bytes(content)
    source = file_source(path)
    health = await health_when(source, "error", within_s=5)
    assert health.last_error is not None
    assert words in health.last_error
    await source.close()


async def test_missing_file_says_so(tmp_path: Path) -> None:
    source = file_source(tmp_path / "gone.mp4")
    health = await health_when(source, "error", within_s=5)
    assert health.last_error == f"file not found: {tmp_path / 'gone.mp4'}"
    await source.close()


async def test_wrong_rtsp_url_is_offline_and_keeps_retrying() -> None:
    url = f"rtsp://127.0.0.1:{free_port()}/nothing"
    source = AvSource(1, AvSourceConfig(SourceKind.RTSP, url, open_timeout_s=2, read_timeout_s=2))
    health = await health_when(source, "offline", within_s=5)
    assert health.last_error is not None
    assert "refused" in health.last_error.lower()
    await asyncio.sleep(2.5)
    assert source.health().reconnects >= 2
    await source.close()


def test_usb_device_names() -> None:
    assert usb_device("0") == "/dev/video0"
    assert usb_device("/dev/video3") == "/dev/video3"


async def test_absent_usb_camera_is_offline_in_words() -> None:
    """No camera is attached on CI machines: this checks the selection and error path only."""
    source = AvSource(1, AvSourceConfig(SourceKind.USB, "/dev/video97"))
    health = await health_when(source, "offline", within_s=5)
    assert health.last_error == "no such video device: /dev/video97 (is the camera plugged in?)"
    await source.close()


async def test_a_camera_whose_video_never_comes_is_reconnected_with_the_reason() -> None:
    """A network camera whose packets carry no decodable video (here: a bound of 0 s, so the first packet,
    before any frame, already trips it) is an error in words and is reconnected, not left "connecting"."""
    with RtspCamera() as camera:
        config = AvSourceConfig(SourceKind.RTSP, camera.url, read_timeout_s=5, no_video_s=0.0)
        source = AvSource(1, config)
        health = await health_when(source, "offline", within_s=20)
        assert health.last_error is not None
        assert "no video frame" in health.last_error
        assert "only sound arrives" in health.last_error
        await asyncio.sleep(1.5)
        assert source.health().reconnects >= 1
        await source.close()
