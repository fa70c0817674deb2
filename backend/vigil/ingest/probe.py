"""Test a camera's source before it is saved: open it as the ingest would, decode the first video frame,
and say what came back (codecs, size, rate, a still) or what went wrong, in words a user can act on.

`probe_source` is the blocking part (PyAV, run in a thread). `Prober` bounds it for a server: at most
`max_running` probes at once, each answered by its deadline. A hung camera cannot hold a request longer
than the deadline, and its thread (which ends at FFmpeg's own open and read timeouts, or at the deadline
between packets) keeps its slot until it really ends, so hung cameras cannot pile up threads.

The probe dials what a user typed, so it must not become a port scanner: the address is checked against
the cameras' outbound policy before any connection, and a user who is not an administrator learns only
that a network camera was unreachable, never why (refused, timed out, something else answered, not
allowed), and only after the same wait (`open_timeout_s`) whichever it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import av
import av.container
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.domain import SourceKind
from vigil.ingest.av_source import AvSourceConfig, SourceError, SourceRefusedError, SourceRules, open_input
from vigil.security.urls import MASK, mask_url

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 3.0
DEADLINE_S = 8.0
MAX_RUNNING = 2
SNAPSHOT_MAX_WIDTH = 640
SNAPSHOT_QUALITY = 80

TouchUp = Callable[[NDArray[np.uint8]], NDArray[np.uint8]]
"""Done to the first frame before it leaves as the still (the API blacks out the camera's privacy masks)."""


@dataclass(frozen=True, slots=True)
class VideoFacts:
    codec: str
    width: int
    height: int
    fps: float | None


@dataclass(frozen=True, slots=True)
class AudioFacts:
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class ProbeResult:
    reachable: bool
    error: str | None
    elapsed_ms: int
    video: VideoFacts | None = None
    audio: AudioFacts | None = None
    snapshot_jpeg: bytes | None = None


def unreachable(url: str) -> str:
    """All a non-administrator learns of a network camera that gave no picture."""
    return (
        f"unreachable: {_where(url)} did not send a picture (check the address, port, path and "
        "credentials; an administrator's test says more)"
    )


class ProbeBusyError(Exception):
    """As many probes as allowed are running already."""


def _where(url: str) -> str:
    """`host:port` of a URL, for messages (never its credentials)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "the camera"
    if not host:
        return "the camera"
    return f"{host}:{port}" if port else host


def _scrub(text: str, url: str) -> str:
    """`text` without the URL's password (FFmpeg messages may quote the URL)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    text = text.replace(url, mask_url(url))
    return text.replace(password, MASK) if password else text


def describe_failure(
    kind: SourceKind, url: str, error: BaseException, timeout_s: float, waited_s: float = 0.0
) -> str:
    """What went wrong opening or reading a source, as a sentence naming what to check. `waited_s`: how
    long the failing call took (FFmpeg's RTSP demuxer reports a timed-out answer as invalid data)."""
    where = _where(url)
    if (
        kind is SourceKind.RTSP
        and waited_s >= 0.9 * timeout_s
        and isinstance(error, av.error.InvalidDataError)
    ):
        error = TimeoutError()
    if isinstance(error, av.error.ConnectionRefusedError):
        return f"connection refused: nothing listens at {where} (is the camera on, and the port right?)"
    if isinstance(error, (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError)):
        return "authentication failed: check the user name and password in the URL"
    if isinstance(error, av.error.HTTPNotFoundError):
        return f"{where} answers but has no stream at this path: check the path after the host"
    if isinstance(error, (av.error.ExitError, av.error.TimeoutError, TimeoutError)):
        return f"timed out: {where} did not answer within {timeout_s:g} s (wrong address, or a firewall?)"
    if isinstance(error, av.error.InvalidDataError):
        if kind is SourceKind.FILE:
            return "not a video file, or the file is damaged: FFmpeg cannot read it"
        return "the camera answered with data that is not a readable stream"
    if isinstance(error, av.error.FFmpegError) and error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return f"no route to {where}: check the address and the network"
    if isinstance(error, av.error.HTTPError):
        return f"the camera refused the request: {_scrub(error.strerror or 'HTTP error', url)}"
    if isinstance(error, av.error.FFmpegError):
        return f"could not open the source: {_scrub(error.strerror or type(error).__name__, url)}"
    return f"could not open the source: {_scrub(str(error) or type(error).__name__, url)}"


def snapshot_jpeg(image: NDArray[np.uint8]) -> bytes:
    """The RGB frame as a JPEG at most `SNAPSHOT_MAX_WIDTH` px wide."""
    picture = Image.fromarray(image)
    if picture.width > SNAPSHOT_MAX_WIDTH:
        height = max(1, round(picture.height * SNAPSHOT_MAX_WIDTH / picture.width))
        picture = picture.resize((SNAPSHOT_MAX_WIDTH, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=SNAPSHOT_QUALITY)
    return out.getvalue()


def _facts(container: av.container.InputContainer) -> tuple[VideoFacts | None, AudioFacts | None]:
    video = container.streams.video[0] if container.streams.video else None
    audio = container.streams.audio[0] if container.streams.audio else None
    video_facts = None
    if video is not None:
        rate = video.average_rate or video.guessed_rate
        video_facts = VideoFacts(
            codec=video.codec_context.name,
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=round(float(rate), 3) if rate else None,
        )
    audio_facts = None
    if audio is not None:
        context = audio.codec_context
        assert isinstance(context, av.AudioCodecContext)
        audio_facts = AudioFacts(
            codec=context.name, sample_rate=context.sample_rate, channels=context.layout.nb_channels
        )
    return video_facts, audio_facts


def _first_frame(container: av.container.InputContainer, deadline: float) -> av.VideoFrame | None:
    """The first video frame that decodes before `deadline` (damaged packets are skipped)."""
    stream = container.streams.video[0]
    for packet in container.demux(stream):
        if time.monotonic() > deadline:
            return None
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        for frame in frames:
            if isinstance(frame, av.VideoFrame):
                return frame
    return None


def probe_source(
    kind: SourceKind,
    url: str,
    touch_up: TouchUp | None = None,
    open_timeout_s: float = OPEN_TIMEOUT_S,
    read_timeout_s: float = READ_TIMEOUT_S,
    deadline_s: float = DEADLINE_S,
    rules: SourceRules | None = None,
) -> ProbeResult:
    """Open the source with the ingest's options and decode its first video frame (blocking). What it
    may open is checked by `open_input` against `rules` (the default: any file, the cameras' policy)."""
    started = time.monotonic()
    deadline = started + deadline_s

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    def failed(message: str, video: VideoFacts | None = None, audio: AudioFacts | None = None) -> ProbeResult:
        return ProbeResult(False, message, elapsed(), video, audio)

    if kind is SourceKind.WEBRTC:
        return failed("a WebRTC camera is tested by publishing to it")
    config = AvSourceConfig(
        kind,
        url,
        open_timeout_s=open_timeout_s,
        read_timeout_s=read_timeout_s,
        rules=rules if rules is not None else SourceRules(),
    )
    try:
        container = open_input(config)
    except SourceError as error:
        cause = error.__cause__
        if cause is None or isinstance(error, SourceRefusedError):
            return failed(_scrub(str(error), url))
        waited = time.monotonic() - started
        return failed(describe_failure(kind, url, cause, open_timeout_s, waited))
    try:
        with container:
            video, audio = _facts(container)
            if video is None:
                what = "the file has" if kind is SourceKind.FILE else "the source sends"
                return failed(
                    f"no video stream: {what} {'only sound' if audio else 'no picture'}", None, audio
                )
            try:
                frame = _first_frame(container, deadline)
            except (av.FFmpegError, OSError) as error:
                return failed(describe_failure(kind, url, error, read_timeout_s), video, audio)
            if frame is None:
                if time.monotonic() > deadline:
                    return failed(f"timed out: no video frame within {deadline_s:g} s", video, audio)
                return failed(
                    "no video frame could be decoded: the stream or file may be damaged", video, audio
                )
            image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            if video.width <= 0 or video.height <= 0:
                video = VideoFacts(video.codec, frame.width, frame.height, video.fps)
            jpeg = snapshot_jpeg(touch_up(image) if touch_up is not None else image)
            return ProbeResult(True, None, elapsed(), video, audio, jpeg)
    except (av.FFmpegError, OSError) as error:  # closing a broken connection
        return failed(describe_failure(kind, url, error, read_timeout_s))


class Prober:
    """Probes for one server: at most `max_running` threads, each request answered by its deadline."""

    def __init__(
        self,
        max_running: int = MAX_RUNNING,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        deadline_s: float = DEADLINE_S,
        rules: SourceRules | None = None,
    ) -> None:
        self.rules = rules
        self.max_running = max_running
        self.open_timeout_s = open_timeout_s
        self.read_timeout_s = read_timeout_s
        self.deadline_s = deadline_s
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        """Probe threads alive now (a timed-out probe counts until its thread ends)."""
        with self._lock:
            return self._running

    def _take_slot(self) -> None:
        with self._lock:
            if self._running >= self.max_running:
                raise ProbeBusyError
            self._running += 1

    def _free_slot(self) -> None:
        with self._lock:
            self._running -= 1

    async def probe(
        self,
        kind: SourceKind,
        url: str,
        touch_up: TouchUp | None = None,
        *,
        detailed: bool = True,
        rules: SourceRules | None = None,
    ) -> ProbeResult:
        """Raises `ProbeBusyError` when `max_running` probes are running. `detailed=False` (a user who
        is not an administrator): a network camera that gave no picture is only `unreachable`, answered
        no sooner than `open_timeout_s` after the start. `rules`: what may be opened (else the prober's)."""
        started = time.monotonic()
        result = await self._probe(kind, url, touch_up, rules if rules is not None else self.rules)
        if detailed or kind is not SourceKind.RTSP or result.reachable:
            return result
        await asyncio.sleep(max(0.0, started + self.open_timeout_s - time.monotonic()))
        return ProbeResult(False, unreachable(url), round((time.monotonic() - started) * 1000))

    async def _probe(
        self, kind: SourceKind, url: str, touch_up: TouchUp | None, rules: SourceRules | None
    ) -> ProbeResult:
        self._take_slot()
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[ProbeResult] = loop.create_future()
        started = time.monotonic()

        def deliver(result: ProbeResult | BaseException) -> None:
            if answer.done():
                return
            if isinstance(result, BaseException):
                answer.set_exception(result)
            else:
                answer.set_result(result)

        def work() -> None:
            try:
                result: ProbeResult | BaseException = probe_source(
                    kind, url, touch_up, self.open_timeout_s, self.read_timeout_s, self.deadline_s, rules
                )
            except Exception as error:  # a probe must answer, whatever PyAV does
                log.exception("probe of a %s source failed unexpectedly", kind)
                result = error
            finally:
                self._free_slot()
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                    loop.call_soon_threadsafe(deliver, result)

        try:
            threading.Thread(target=work, name="camera-probe", daemon=True).start()
        except BaseException:
            self._free_slot()
            raise
        try:
            # On time-out `answer` is cancelled (a late result is dropped); the thread keeps its slot.
            return await asyncio.wait_for(answer, timeout=self.deadline_s + 0.5)
        except TimeoutError:
            elapsed = round((time.monotonic() - started) * 1000)
            where = _where(url) if kind is SourceKind.RTSP else "the source"
            message = f"timed out: {where} did not send a picture within {self.deadline_s:g} s"
            return ProbeResult(False, message, elapsed)
