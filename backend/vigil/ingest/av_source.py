"""RTSP, file and USB cameras through PyAV (FFmpeg), read in a thread: a stuck read never blocks the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import av
import av.container
import numpy as np

from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk, EncodedPacket, Frame, SourceKind, StreamInfo
from vigil.ingest.base import SourceItem
from vigil.ingest.health import RateMeter, SourceHealth, SourceState
from vigil.security.outbound import (
    OutboundPolicy,
    OutboundRefusedError,
    Resolver,
    UnresolvableHostError,
    camera_policy,
    pinned_host,
    resolve_and_check,
    system_resolver,
)
from vigil.security.paths import is_inside_any
from vigil.security.urls import control_character_problem, network_url_problem

log = logging.getLogger(__name__)

AUDIO_CHUNK_S = 0.5
VIDEO_QUEUE = 2
AUDIO_QUEUE = 120
FPS_WINDOW_S = 3.0
RTSP_PORTS = {"rtsp": 554, "rtsps": 322}
# Demuxers a file camera may use: real media containers. Not concat lists, playlists (hls), image
# sequences (image2), filter graphs (lavfi) or anything else that opens other files or devices.
FILE_FORMATS = (
    *("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "mpegts", "mpeg", "flv", "ogg"),
    *("wav", "mp3", "flac"),  # sound only: opened to say "no video stream", not refused as unknown
)
FILE_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": ",".join(FILE_FORMATS)}


class SourceError(Exception):
    """A camera problem in words a user can act on."""


class SourceRefusedError(SourceError):
    """Vigil will not open this source (its URL, address or file is not allowed): retrying cannot help."""


@dataclass(frozen=True)
class SourceRules:
    """What a camera's source may open, checked at every (re)connection: files inside `file_roots` (None:
    any file, for the CLI's own files; the server always gives its roots), network cameras at addresses
    `outbound` allows."""

    file_roots: tuple[Path, ...] | None = None
    outbound: OutboundPolicy = field(default_factory=camera_policy)


@dataclass(frozen=True)
class AvSourceConfig:
    kind: SourceKind
    url: str
    open_timeout_s: float = 10.0
    read_timeout_s: float = 5.0
    backoff_initial_s: float = 0.25
    backoff_max_s: float = 1.0
    file_backoff_max_s: float = 30.0
    max_convert_fps: float = 10.0
    # a network camera that sends packets (sound, say) but no decodable video for this long is reconnected:
    # only video frames say a camera is alive, so it would otherwise stay "connecting" for ever
    no_video_s: float = 20.0
    # A camera read as two streams (`SplitSource`): the main stream's video is passed on as packets for clips
    # but not decoded, the detect stream's sound is not read.
    decode_video: bool = True
    read_audio: bool = True
    # Both streams of one camera on one clock: each connection's times start at its first packet's arrival,
    # counted from this wall-clock time (None: from 0, and after a reconnect 0.1 s after the last frame).
    timeline_epoch: float | None = None
    loop: bool = True
    realtime: bool = True
    rules: SourceRules = field(default_factory=SourceRules)
    resolver: Resolver = system_resolver


def usb_device(url: str) -> str:
    """`/dev/video2` or `2` → `/dev/video2`."""
    return url if url.startswith("/dev/") else f"/dev/video{int(url)}"


def checked_rtsp_url(config: AvSourceConfig) -> str:
    """The URL to hand FFmpeg: refused (`SourceRefusedError`) if it carries control characters or its host
    resolves to an address cameras may not reach; for rtsp://, the host replaced by the checked address."""
    problem = network_url_problem(config.url)
    if problem is not None:
        raise SourceRefusedError(f"refused: the camera's URL {problem}")
    parts = urlsplit(config.url)
    try:
        port = parts.port or RTSP_PORTS.get(parts.scheme, 554)
    except ValueError as error:
        raise SourceRefusedError(f"refused: not a valid RTSP URL: {error}") from None
    if parts.scheme not in RTSP_PORTS or not parts.hostname:
        raise SourceRefusedError("refused: an RTSP camera needs an rtsp:// or rtsps:// URL with a host")
    try:
        addresses = resolve_and_check(config.rules.outbound, parts.hostname, port, config.resolver)
    except OutboundRefusedError as error:
        raise SourceRefusedError(f"refused: {error}") from None
    except UnresolvableHostError as error:
        raise SourceError(f"{error}: check the camera's host name") from None
    if parts.scheme != "rtsp":
        return config.url  # TLS names the host it verifies: rtsps:// keeps its name
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@" if userinfo else ""
    return urlunsplit(parts._replace(netloc=f"{netloc}{pinned_host(addresses[0])}:{port}"))


def checked_media_file(config: AvSourceConfig) -> Path:
    """The real file a file camera reads (symlinks resolved), inside `file_roots` when they are given."""
    problem = control_character_problem(config.url)
    if problem is not None:
        raise SourceRefusedError(f"refused: the file path {problem}")
    path = Path(config.url)
    if not path.is_absolute():
        raise SourceRefusedError("refused: a file camera needs an absolute path")
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise SourceError(f"file not found: {config.url}") from None
    roots = config.rules.file_roots
    if roots is not None and not is_inside_any(real, roots):
        allowed = ":".join(str(root) for root in roots) or "none"
        raise SourceRefusedError(
            f"refused: the file is outside the folders allowed by VIGIL_FILE_ROOTS ({allowed})"
        )
    if not real.is_file():
        raise SourceError(f"file not found: {config.url}")
    return real


def open_media_file(path: Path) -> av.container.InputContainer:
    """A real media container only (`FILE_FORMATS`), from the file itself, never another file or URL."""
    try:
        container = av.open(str(path), container_options=FILE_OPTIONS)
    except av.error.ArgumentError as error:  # EINVAL: FFmpeg found a demuxer that is not on the list
        raise SourceRefusedError(
            "not a video file Vigil reads (MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, Ogg): "
            "playlists, concat lists and image sequences are refused"
        ) from error
    if not set(container.format.name.split(",")) & set(FILE_FORMATS):
        name = container.format.name
        container.close()
        raise SourceRefusedError(f"refused: {name} is not a container a file camera may use")
    return container


def open_input(config: AvSourceConfig) -> av.container.InputContainer:
    """Open the camera with the timeouts of its kind; every failure becomes a `SourceError` in words.
    What may be opened is checked here, at every (re)connection, whatever was checked when it was saved."""
    try:
        if config.kind is SourceKind.RTSP:
            return av.open(
                checked_rtsp_url(config),
                # Short probing: by default FFmpeg reads ~20 frames and up to two keyframes (~4 s here)
                # before returning; the SDP already names the codecs, so 0.5 s fills in the rest.
                options={
                    "rtsp_transport": "tcp",
                    "rtsp_flags": "prefer_tcp",
                    "analyzeduration": "500000",
                    "probesize": "65536",
                    "fpsprobesize": "0",
                },
                # FFmpeg gives up a read only after two consecutive timeouts (the first releases a held
                # packet), so half the setting makes a frozen camera an error after `read_timeout_s`.
                timeout=(config.open_timeout_s, config.read_timeout_s / 2),
            )
        if config.kind is SourceKind.FILE:
            return open_media_file(checked_media_file(config))
        if config.kind is SourceKind.USB:
            device = usb_device(config.url)
            if not Path(device).exists():
                raise SourceError(f"no such video device: {device} (is the camera plugged in?)")
            return av.open(device, format="v4l2", timeout=(config.open_timeout_s, config.read_timeout_s))
    except av.FFmpegError as error:
        raise SourceError(describe_av_error(error)) from error
    raise SourceError(f"PyAV does not read {config.kind} sources")


def describe_stream(stream: av.stream.Stream, session: int) -> StreamInfo:
    """The parameters of an input stream a clip writer needs to mux its packets (or to decode them)."""
    context = stream.codec_context
    time_base = stream.time_base or Fraction(1, 90_000)
    extradata = bytes(context.extradata or b"")
    if isinstance(stream, av.VideoStream):
        rate = stream.average_rate or stream.guessed_rate
        return StreamInfo(
            kind="video",
            codec=context.name,
            time_base=time_base,
            extradata=extradata,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            pix_fmt=stream.codec_context.format.name if stream.codec_context.format else "",
            frame_rate=float(rate) if rate else 0.0,
            session=session,
        )
    audio = stream.codec_context
    assert isinstance(audio, av.AudioCodecContext)
    return StreamInfo(
        kind="audio",
        codec=context.name,
        time_base=time_base,
        extradata=extradata,
        sample_rate=audio.sample_rate,
        layout=audio.layout.name,
        session=session,
    )


def describe_av_error(error: Exception) -> str:
    text = getattr(error, "strerror", None) or str(error)
    if isinstance(error, (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError)):
        return "authentication failed: check the user name and password in the URL"
    if isinstance(error, av.error.InvalidDataError):
        return f"not a readable video: {text}"
    if isinstance(error, (av.error.ExitError, TimeoutError, av.error.TimeoutError)):
        return f"no data within the read timeout: {text}"
    return text


class AvSource:
    """One camera read by PyAV in a daemon thread; reconnects with capped backoff; never raises."""

    def __init__(
        self,
        camera_id: int,
        config: AvSourceConfig,
        packet_sink: Callable[[EncodedPacket], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self._packet_sink = packet_sink
        self._clock = clock
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._frames: deque[Frame] = deque()
        self._audio: deque[AudioChunk] = deque()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._state: SourceState = "connecting"
        self._last_error: str | None = None
        self._reconnects = 0
        self._dropped_frames = 0
        self._dropped_audio = 0
        self._rate = RateMeter(FPS_WINDOW_S)
        self._last_frame_wall: float | None = None
        self._last_t_s: float | None = None
        self._frame_index = 0
        self._sessions = 0
        self._stream_info: dict[str, StreamInfo] = {}

    # --- asyncio side ----------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name=f"av-camera-{self.camera_id}", daemon=True)
        self._thread.start()

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        self.start()
        while True:
            item = self._pop()
            if item is not None:
                yield item
                continue
            if self._thread is not None and not self._thread.is_alive() and not (self._frames or self._audio):
                return
            self._wake.clear()
            if self._frames or self._audio:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=0.5)

    def _pop(self) -> Frame | AudioChunk | None:
        with self._lock:
            if self._audio and (not self._frames or self._audio[0].t_s <= self._frames[0].t_s):
                return self._audio.popleft()
            if self._frames:
                return self._frames.popleft()
        return None

    @property
    def frames_decoded(self) -> int:
        return self._frame_index

    @property
    def stream_info(self) -> dict[str, StreamInfo]:
        """The current connection's stream parameters by stream ("video", "audio"); empty before the first."""
        with self._lock:
            return dict(self._stream_info)

    def health(self) -> SourceHealth:
        now = self._clock()
        with self._lock:
            age = None if self._last_frame_wall is None else max(0.0, now - self._last_frame_wall)
            state, error = self._state, self._last_error
            # Data already in socket buffers keeps a frozen camera's reader busy for a while before its
            # read times out; the frame age tells the truth at once.
            stalled = (
                self.config.kind is not SourceKind.FILE
                and age is not None
                and age > self.config.read_timeout_s
            )
            if state == "streaming" and stalled:
                state, error = "offline", f"no frames for {age:.0f} s (camera frozen or network stalled)"
            return SourceHealth(
                state=state,
                fps_in=round(self._rate.per_s(now), 2),
                frames_dropped=self._dropped_frames,
                last_frame_age_s=None if age is None else round(age, 3),
                reconnects=self._reconnects,
                last_error=error,
            )

    async def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            # A blocked open or read ends at its own timeout; the daemon thread then sees the stop flag.
            await asyncio.to_thread(self._thread.join, 1.0)

    # --- reader thread ---------------------------------------------------------------------------------

    def _notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

    def _set_state(self, state: SourceState, error: str | None = None) -> None:
        with self._lock:
            self._state = state
            if error is not None:
                self._last_error = error

    def _run(self) -> None:
        backoff = self.config.backoff_initial_s
        cap = (
            self.config.file_backoff_max_s
            if self.config.kind is SourceKind.FILE
            else self.config.backoff_max_s
        )
        while not self._stop.is_set():
            try:
                with open_input(self.config) as container:
                    # Connected; `streaming` comes with the first decoded frame (after the next keyframe).
                    self._set_state("reconnecting" if self._reconnects else "connecting")
                    finished = self._session(container)
                backoff = self.config.backoff_initial_s
                if finished:
                    self._set_state("ended")
                    break
            except SourceRefusedError as error:
                self._fail(str(error), refused=True)
                break
            except SourceError as error:
                self._fail(str(error))
            except av.FFmpegError as error:
                self._fail(describe_av_error(error))
            except Exception as error:  # a camera must never take the reader down with it
                log.exception("camera %s: unexpected reader error", self.camera_id)
                self._fail(f"unexpected error: {error}")
            if self._stop.wait(backoff):
                break
            backoff = min(cap, backoff * 2)
            with self._lock:
                self._reconnects += 1
        self._notify()

    def _fail(self, message: str, refused: bool = False) -> None:
        was_streaming = self._state == "streaming"
        state: SourceState = "error" if refused or self.config.kind is SourceKind.FILE else "offline"
        self._set_state(state, message)
        log.log(
            logging.WARNING if was_streaming else logging.INFO,
            "camera %s %s: %s",
            self.camera_id,
            state,
            message,
        )

    def _session(self, container: av.container.InputContainer) -> bool:
        """Read one connection or one pass of a file. True when a play-once file has finished."""
        if not container.streams.video:
            raise SourceError("no video stream in this source")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        audio = container.streams.audio[0] if container.streams.audio and self.config.read_audio else None
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_SAMPLE_RATE) if audio else None
        streams = [video] + ([audio] if audio is not None else [])
        video_info = describe_stream(video, self._sessions)
        audio_info = describe_stream(audio, self._sessions) if audio is not None else None
        self._sessions += 1
        with self._lock:
            self._stream_info = {"video": video_info} | ({"audio": audio_info} if audio_info else {})

        offset = 0.0 if self._last_t_s is None else self._last_t_s + 0.1
        first_time: float | None = None
        session_wall = self._clock()
        last_converted = -1e9
        audio_buffer: list[np.ndarray] = []
        audio_start: float | None = None
        audio_samples = 0

        video_seen = False
        for packet in container.demux(*streams):
            if self._stop.is_set():
                return False
            if not video_seen and self.config.kind is not SourceKind.FILE:
                waited = self._clock() - session_wall
                if waited > self.config.no_video_s:
                    raise SourceError(f"no video frame {waited:.0f} s after connecting (only sound arrives)")
            if packet.dts is None and packet.size:  # no timing; the empty ones at the end flush the decoders
                continue
            packet_time = float(packet.pts * packet.time_base) if packet.pts is not None else None
            if first_time is None and packet_time is not None:
                first_time = packet_time
                if self.config.timeline_epoch is not None:
                    offset = max(offset, self._clock() - self.config.timeline_epoch)
            if self._packet_sink is not None and packet_time is not None and first_time is not None:
                is_video = packet.stream is video
                self._packet_sink(
                    EncodedPacket(
                        stream="video" if is_video else "audio",
                        t_s=offset + packet_time - first_time,
                        data=bytes(packet),
                        is_keyframe=bool(packet.is_keyframe),
                        pts=packet.pts,
                        dts=packet.dts,
                        duration=packet.duration or 0,
                        info=video_info if is_video else audio_info,
                    )
                )
            if not self.config.decode_video and packet.stream is video:
                if packet_time is not None and first_time is not None:
                    video_seen = True
                    self._video_alive(offset + packet_time - first_time)
                continue
            for decoded in packet.decode():
                if not isinstance(decoded, (av.VideoFrame, av.AudioFrame)):
                    continue
                if decoded.time is None or first_time is None:
                    continue
                t_s = offset + float(decoded.time) - first_time
                if isinstance(decoded, av.VideoFrame):
                    video_seen = True
                    now = self._clock()
                    if self.config.kind is SourceKind.FILE and self.config.realtime:
                        ahead = (t_s - offset) - (now - session_wall)
                        if ahead > 0 and self._stop.wait(ahead):
                            return False
                        now = self._clock()
                    self._video_alive(t_s, now)
                    if t_s - last_converted >= 1.0 / self.config.max_convert_fps - 1e-3:
                        last_converted = t_s
                        image = np.asarray(decoded.to_ndarray(format="rgb24"), dtype=np.uint8)
                        self._push_frame(Frame(self.camera_id, self._frame_index, t_s, now, image))
                    self._frame_index += 1
                elif resampler is not None:
                    for mono in resampler.resample(decoded):
                        if audio_start is None:
                            audio_start = t_s
                        audio_buffer.append(mono.to_ndarray().reshape(-1).astype(np.float32, copy=False))
                        if sum(len(a) for a in audio_buffer) >= AUDIO_CHUNK_S * AUDIO_SAMPLE_RATE:
                            samples = np.concatenate(audio_buffer)
                            audio_buffer.clear()
                            chunk_t = audio_start + audio_samples / AUDIO_SAMPLE_RATE
                            audio_samples += len(samples)
                            self._push_audio(AudioChunk(self.camera_id, chunk_t, self._clock(), samples))
        return self.config.kind is SourceKind.FILE and not self.config.loop

    def _video_alive(self, t_s: float, now: float | None = None) -> None:
        """A video frame arrived (decoded, or as a packet where video is not decoded): the camera streams."""
        now = self._clock() if now is None else now
        with self._lock:
            self._rate.tick(now)
            self._last_frame_wall = now
            self._last_t_s = t_s
            if self._state != "streaming":
                self._state = "streaming"

    def _push_frame(self, frame: Frame) -> None:
        with self._lock:
            if len(self._frames) >= VIDEO_QUEUE:
                self._frames.popleft()
                self._dropped_frames += 1
            self._frames.append(frame)
        self._notify()

    def _push_audio(self, chunk: AudioChunk) -> None:
        with self._lock:
            if len(self._audio) >= AUDIO_QUEUE:
                self._audio.popleft()
                self._dropped_audio += 1
            self._audio.append(chunk)
        self._notify()
