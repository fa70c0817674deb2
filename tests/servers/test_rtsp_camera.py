"""The test RTSP camera behaves like a camera: A/V at the source rate, shared, endless, killable, freezable.

Read with PyAV over RTSP/TCP, as the ingest will. FFmpeg's RTSP open takes ~3 s at 10 fps: it probes
20 frames for the frame rate, and hands them over at once when the open returns.
"""

from __future__ import annotations

import itertools
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from tests.servers.rtsp import INSTALL_HINT, RtspCamera, describe

pytestmark = pytest.mark.slow

OPEN_TIMEOUT_S = 20.0  # FFmpeg's open probes ~3 s of stream; a loaded CI machine needs more room
READ_TIMEOUT_S = 5.0


def open_stream(url: str, read_timeout: float = READ_TIMEOUT_S) -> av.container.InputContainer:
    return av.open(url, options={"rtsp_transport": "tcp"}, timeout=(OPEN_TIMEOUT_S, read_timeout))


def first_frames(url: str) -> tuple[av.VideoFrame, av.AudioFrame]:
    with open_stream(url) as container:
        video: av.VideoFrame | None = None
        audio: av.AudioFrame | None = None
        for frame in container.decode(*container.streams.video, *container.streams.audio):
            if isinstance(frame, av.VideoFrame):
                video = video or frame
            elif isinstance(frame, av.AudioFrame):
                audio = audio or frame
            if video is not None and audio is not None:
                return video, audio
    raise AssertionError("stream ended before a video and an audio frame arrived")


def read_until_it_breaks(
    container: av.container.InputContainer, limit_s: float
) -> tuple[float, av.error.FFmpegError | None]:
    """Demux until the stream ends (None) or fails (the error), and how long that took; at most limit_s."""
    start = time.monotonic()
    try:
        for _ in container.demux():
            assert time.monotonic() - start < limit_s, f"still receiving after {limit_s} s"
    except av.error.FFmpegError as exc:
        return time.monotonic() - start, exc
    return time.monotonic() - start, None


def live_edge(container: av.container.InputContainer) -> Iterator[av.VideoFrame]:
    """Video frames after the ones the open buffered (they all arrive at once): the live, paced ones."""
    previous = time.monotonic()
    live = False
    for frame in container.decode(video=0):
        now = time.monotonic()
        live = live or now - previous > 0.05
        previous = now
        if live:
            yield frame


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspCamera]:
    with RtspCamera() as camera:
        yield camera


@pytest.fixture
def own_camera() -> Iterator[RtspCamera]:
    """A camera for one test, which may kill or freeze it."""
    with RtspCamera() as camera:
        yield camera


def test_video_and_audio_frames_arrive(camera: RtspCamera) -> None:
    video, audio = first_frames(camera.url)
    assert (video.width, video.height) == (768, 576)
    assert audio.sample_rate == 48000
    assert audio.samples > 0


def test_video_keeps_the_source_rate(camera: RtspCamera) -> None:
    with open_stream(camera.url) as container:
        assert container.streams.video[0].average_rate == 10
        frames = live_edge(container)
        first = next(frames)
        start = time.monotonic()
        times = [first.time]
        for frame in frames:
            times.append(frame.time)
            if time.monotonic() - start >= 3.0:
                break
        elapsed = time.monotonic() - start
    fps = (len(times) - 1) / elapsed
    assert 9.0 <= fps <= 11.0, f"{len(times)} frames in {elapsed:.2f} s"
    steps = [b - a for a, b in itertools.pairwise(times)]
    assert all(step == pytest.approx(0.1, abs=0.015) for step in steps), steps  # 12 ms short at a loop


def test_clients_share_one_stream(camera: RtspCamera) -> None:
    with open_stream(camera.url) as first, open_stream(camera.url) as second:
        assert next(first.decode(video=0)).width == 768
        assert next(second.decode(video=0)).width == 768
        # One shared media: every DESCRIBE meanwhile describes the same RTP streams (same SSRCs).
        ssrcs = [line for line in describe(camera.url).splitlines() if line.startswith("a=ssrc:")]
        assert len(ssrcs) == 2
        assert ssrcs == [line for line in describe(camera.url).splitlines() if line.startswith("a=ssrc:")]


@pytest.fixture
def short_clip(tmp_path: Path) -> Path:
    """A 2 s H.264 (with B-frames) + AAC clip: the camera loops it several times within one read."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail(f"ffmpeg not found; {INSTALL_HINT}")
    clip = tmp_path / "short.mp4"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-f", "lavfi",
         "-i", "sine=frequency=440:sample_rate=48000", "-t", "2", "-c:v", "libx264", "-g", "10",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "1", "-shortest", str(clip)],
        check=True,
        timeout=30,
    )  # fmt: skip
    return clip


def test_loops_forever_with_monotonic_timestamps(short_clip: Path) -> None:
    video: list[float] = []
    audio: list[float] = []
    with RtspCamera(short_clip) as camera, open_stream(camera.url) as container:
        for frame in container.decode(*container.streams.video, *container.streams.audio):
            if frame.time is None:  # FFmpeg's RTP demuxer gives the very first packet no timestamp
                continue
            (video if isinstance(frame, av.VideoFrame) else audio).append(frame.time)
            if len(video) > 1 and video[-1] - video[0] >= 5.0:  # two and a half loops
                break
    video_steps = [b - a for a, b in itertools.pairwise(video)]
    audio_steps = [b - a for a, b in itertools.pairwise(audio)]
    assert min(video_steps) > 0.05, video_steps  # strictly increasing, no frame twice
    assert max(video_steps) < 0.15, video_steps  # and no gap at the loop boundaries
    assert len(video) >= 48
    assert min(audio_steps) > 0
    assert max(audio_steps) < 0.05, audio_steps


def test_kill_refuses_connections_and_restart_serves_again(own_camera: RtspCamera) -> None:
    url = own_camera.url
    with open_stream(url) as container:
        assert next(container.decode(video=0)).width == 768
        own_camera.kill()
        elapsed, _ = read_until_it_breaks(container, limit_s=READ_TIMEOUT_S + 1)
        assert elapsed < READ_TIMEOUT_S / 2  # end of stream (or reset), not the read timeout
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", own_camera.port), timeout=2).close()
    with pytest.raises(ConnectionRefusedError):
        open_stream(url)

    own_camera.restart()
    assert own_camera.url == url
    video, _ = first_frames(url)
    assert video.width == 768


def test_freeze_times_a_reader_out_and_thaw_serves_again(own_camera: RtspCamera) -> None:
    read_timeout = 2.0
    with open_stream(own_camera.url, read_timeout=read_timeout) as container:
        next(live_edge(container))
        own_camera.freeze()
        # FFmpeg hands out one held-back packet when the first read timeout fires, then waits again:
        # a frozen camera is noticed after about twice the read timeout.
        noticed, error = read_until_it_breaks(container, limit_s=2 * read_timeout + 2)
    assert isinstance(error, av.error.ExitError), error  # PyAV's timeout: "Immediate exit requested"
    assert noticed >= read_timeout - 0.5
    # A new client connects (the kernel accepts) but gets no answer: its open times out too. FFmpeg's
    # RTSP demuxer reports the interrupted OPTIONS as invalid data rather than as a timeout.
    start = time.monotonic()
    with pytest.raises((av.error.ExitError, av.error.InvalidDataError)):
        av.open(own_camera.url, options={"rtsp_transport": "tcp"}, timeout=(2.0, 2.0))
    assert time.monotonic() - start < 4

    own_camera.thaw()
    video, _ = first_frames(own_camera.url)
    assert video.width == 768
