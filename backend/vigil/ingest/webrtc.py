"""Browser cameras: a phone or laptop publishes its camera and microphone over WebRTC (aiortc).

One `WebRtcSource` per camera outlives its publishers: each offer builds a new peer connection that replaces
the previous one, and iteration goes on across them on one clock (seconds since the first media this
source ever received). A track's time is its RTP pts (`pts × time_base`) plus the offset at which its first
frame arrived, so video and audio share the clock to within the difference of their first-frame latencies
(tens of milliseconds); aiortc keeps RTCP sender reports to itself, so no finer lip sync is possible.

The tasks that read the tracks only convert (RGB, 16 kHz mono) and hand off to bounded queues: two video
frames (newest wins, drops counted) and a few seconds of audio chunks (oldest dropped).

ICE: no STUN/TURN (LAN or loopback). aioice never offers 127.0.0.1 (its `get_host_addresses` skips it and
has no option for it), so `enable_loopback_candidates()` wraps that function once per process to add the
loopback addresses; a browser on the same machine (Chrome with `--allow-loopback-in-peer-connection`)
then connects even when no other interface is up. A remote browser simply never pairs with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from fractions import Fraction

import aioice.ice
import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.exceptions import InternalError, InvalidAccessError, InvalidStateError, OperationError
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk, Frame
from vigil.ingest.base import SourceItem
from vigil.ingest.health import SourceHealth, SourceState

log = logging.getLogger(__name__)

VIDEO_QUEUE = 2
AUDIO_QUEUE = 40  # chunks: 10 s
AUDIO_CHUNK_S = 0.25
AUDIO_GAP_FILL_MAX_S = 1.0  # a longer hole in the audio starts a new run of chunks instead of silence
FPS_WINDOW_S = 3.0
STALE_AFTER_S = 5.0
NEGOTIATION_TIMEOUT_S = 10.0
MAX_SDP_CHARS = 20_000

# Chrome starts sending at 300 kb/s and climbs slowly; at that rate it starts small (and a 720p camera
# stays below full resolution for seconds). The answer tells it to start higher and caps it.
START_BITRATE_KBPS = 2000
MIN_BITRATE_KBPS = 300
MAX_BITRATE_KBPS = 6000

_RTP_WRAP = 1 << 32
_NOT_VIDEO_CODECS = {"rtx", "red", "ulpfec", "flexfec-03"}


_NEGOTIATION_ERRORS = (ValueError, InvalidAccessError, InvalidStateError, OperationError, InternalError)


class OfferError(ValueError):
    """An offer that cannot be answered, in words the publisher can act on."""


class NegotiationTimeoutError(TimeoutError):
    """Answering the offer took longer than `NEGOTIATION_TIMEOUT_S`."""


# --- ICE on loopback ---------------------------------------------------------------------------------

_original_host_addresses: Callable[[bool, bool], list[str]] | None = None


def _host_addresses_with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    assert _original_host_addresses is not None
    addresses = list(_original_host_addresses(use_ipv4, use_ipv6))
    if use_ipv4 and "127.0.0.1" not in addresses:
        addresses.append("127.0.0.1")
    return addresses


def enable_loopback_candidates() -> None:
    """Make aioice gather a 127.0.0.1 host candidate too (idempotent, process-wide)."""
    global _original_host_addresses
    if _original_host_addresses is None:
        _original_host_addresses = aioice.ice.get_host_addresses
        aioice.ice.get_host_addresses = _host_addresses_with_loopback


# --- SDP ---------------------------------------------------------------------------------------------


def check_offer_text(sdp: str) -> None:
    """Refuse what is obviously not a browser's offer before aiortc sees it (its parser accepts anything)."""
    if len(sdp) > MAX_SDP_CHARS:
        raise OfferError(f"the offer is longer than {MAX_SDP_CHARS} characters")
    if not sdp.lstrip().startswith("v=0"):
        raise OfferError("not an SDP offer: it must start with 'v=0'")
    if not re.search(r"^m=video ", sdp, re.MULTILINE):
        raise OfferError("the offer has no video: publish a camera track")


def raise_video_bitrate(
    sdp: str,
    start_kbps: int = START_BITRATE_KBPS,
    min_kbps: int = MIN_BITRATE_KBPS,
    max_kbps: int = MAX_BITRATE_KBPS,
) -> str:
    """Add `b=AS`/`b=TIAS` and Chrome's `x-google-*-bitrate` fmtp to every video codec of an answer."""
    newline = "\r\n" if "\r\n" in sdp else "\n"
    lines = sdp.strip().splitlines()
    params = ";".join(
        f"x-google-{name}-bitrate={kbps}"
        for name, kbps in [("start", start_kbps), ("min", min_kbps), ("max", max_kbps)]
    )
    out: list[str] = []
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    out.extend(sections[0])
    for section in sections[1:]:
        if not section[0].startswith("m=video"):
            out.extend(section)
            continue
        codecs: dict[str, str] = {}
        for line in section:
            if match := re.match(r"a=rtpmap:(\d+) ([^/]+)/", line):
                codecs[match.group(1)] = match.group(2).lower()
        media = [pt for pt, name in codecs.items() if name not in _NOT_VIDEO_CODECS]
        with_fmtp = {m.group(1) for line in section if (m := re.match(r"a=fmtp:(\d+) ", line))}
        # b= goes after c= (RFC 8866 order), or after m= when the connection line is at session level.
        bandwidth_after = "c=" if any(line.startswith("c=") for line in section) else "m="
        for line in section:
            if line.startswith("b="):
                continue  # replaced
            fmtp = re.match(r"a=fmtp:(\d+) ", line)
            out.append(f"{line};{params}" if fmtp and fmtp.group(1) in media else line)
            if line.startswith(bandwidth_after):
                out.extend([f"b=AS:{max_kbps}", f"b=TIAS:{max_kbps * 1000}"])
            rtpmap = re.match(r"a=rtpmap:(\d+) ", line)
            if rtpmap and rtpmap.group(1) in media and rtpmap.group(1) not in with_fmtp:
                out.append(f"a=fmtp:{rtpmap.group(1)} {params}")
    return newline.join(out) + newline


# --- clocks and audio --------------------------------------------------------------------------------


class TrackClock:
    """A track's 32-bit RTP pts, unwrapped, on the source clock."""

    def __init__(self, offset_s: float, pts: int, time_base: Fraction) -> None:
        self.offset_s = offset_s
        self.time_base = time_base
        self._first = pts
        self._last = pts
        self._extended = pts

    def t_s(self, pts: int) -> float:
        delta = (pts - self._last) % _RTP_WRAP
        if delta >= _RTP_WRAP // 2:
            delta -= _RTP_WRAP  # a late frame, slightly in the past
        self._last = pts % _RTP_WRAP
        self._extended += delta
        return self.offset_s + float((self._extended - self._first) * self.time_base)


class AudioChunker:
    """16 kHz mono samples in, chunks of `chunk_s` with contiguous `t_s` out.

    A hole in the input up to `AUDIO_GAP_FILL_MAX_S` is filled with silence; a longer one (or time going
    backwards) ends the run: what is buffered goes out as a short chunk and a new run starts.
    """

    def __init__(self, camera_id: int, chunk_s: float = AUDIO_CHUNK_S) -> None:
        self.camera_id = camera_id
        self.chunk_samples = round(chunk_s * AUDIO_SAMPLE_RATE)
        self._buffer: list[NDArray[np.float32]] = []
        self._buffered = 0
        self._run_start_t: float | None = None  # t_s of the first buffered sample

    @property
    def _end_t(self) -> float:
        assert self._run_start_t is not None
        return self._run_start_t + self._buffered / AUDIO_SAMPLE_RATE

    def push(self, samples: NDArray[np.float32], t_s: float, wall_time_s: float) -> list[AudioChunk]:
        chunks: list[AudioChunk] = []
        if self._run_start_t is None:
            self._run_start_t = t_s
        else:
            gap = t_s - self._end_t
            if gap > AUDIO_GAP_FILL_MAX_S or gap < -0.05:
                chunks.extend(self.flush(wall_time_s))
                self._run_start_t = t_s
            elif gap > 0.03:
                self._append(np.zeros(round(gap * AUDIO_SAMPLE_RATE), dtype=np.float32))
        self._append(samples)
        while self._buffered >= self.chunk_samples:
            chunks.append(self._take(self.chunk_samples, wall_time_s))
        return chunks

    def flush(self, wall_time_s: float) -> list[AudioChunk]:
        """What is buffered, as one short chunk; the next push starts a new run."""
        chunks = [self._take(self._buffered, wall_time_s)] if self._buffered else []
        self._run_start_t = None
        return chunks

    def _append(self, samples: NDArray[np.float32]) -> None:
        if len(samples):
            self._buffer.append(samples)
            self._buffered += len(samples)

    def _take(self, count: int, wall_time_s: float) -> AudioChunk:
        assert self._run_start_t is not None
        joined = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        chunk, rest = joined[:count], joined[count:]
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)
        start = self._run_start_t
        self._run_start_t = start + count / AUDIO_SAMPLE_RATE
        return AudioChunk(self.camera_id, start, wall_time_s, np.ascontiguousarray(chunk, dtype=np.float32))


# --- the source --------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Peer:
    """One publisher's connection and the tasks reading its tracks."""

    pc: RTCPeerConnection
    number: int
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    tracks_live: int = 0


class WebRtcSource:
    """A camera published by a browser. Implements `vigil.ingest.base.Source`."""

    def __init__(self, camera_id: int, start_bitrate_kbps: int | None = START_BITRATE_KBPS) -> None:
        """`start_bitrate_kbps=None` answers without the bitrate hints (to compare)."""
        enable_loopback_candidates()
        self.camera_id = camera_id
        self.start_bitrate_kbps = start_bitrate_kbps
        self._peer: _Peer | None = None
        self._peers = 0
        self._lock = asyncio.Lock()
        self._closed = False
        self._state: SourceState = "pending"
        self._error: str | None = None
        self._video: deque[Frame] = deque(maxlen=VIDEO_QUEUE)
        self._audio: deque[AudioChunk] = deque(maxlen=AUDIO_QUEUE)
        self._wake = asyncio.Event()
        self._origin: float | None = None  # monotonic time of the first media, the zero of t_s
        self._frames = 0
        self._frames_dropped = 0
        self.audio_chunks_dropped = 0
        self._arrivals: deque[float] = deque()
        self._first_frame_at: float | None = None
        self._last_frame_at: float | None = None

    # -- publishing

    async def accept_offer(self, sdp: str, type: str) -> tuple[str, str]:
        """Answer a publisher's offer; the new peer replaces the previous one. Raises `OfferError`."""
        if type != "offer":
            raise OfferError(f"expected an SDP of type 'offer', got {type!r}")
        check_offer_text(sdp)
        if self._closed:
            raise OfferError("this camera's WebRTC source is closed")
        async with self._lock:
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            peer = _Peer(pc, self._peers + 1)
            self._watch(peer)
            try:
                async with asyncio.timeout(NEGOTIATION_TIMEOUT_S):
                    await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
                    await pc.setLocalDescription(await pc.createAnswer())
            except TimeoutError as error:
                await pc.close()
                raise NegotiationTimeoutError("answering the offer took too long") from error
            except _NEGOTIATION_ERRORS as error:
                await pc.close()
                raise OfferError(f"the offer cannot be answered: {error}") from error
            answer = pc.localDescription
            if not re.search(r"^m=video [1-9]", answer.sdp, re.MULTILINE) or not _receives_video(pc):
                await pc.close()
                raise OfferError("none of the offered video codecs is supported (VP8 or H.264 needed)")
            self._peers = peer.number
            previous, self._peer = self._peer, peer
            if previous is not None:
                await self._close_peer(previous)
            self._state, self._error = "connecting", None
            text = answer.sdp
            if self.start_bitrate_kbps is not None:
                text = raise_video_bitrate(text, self.start_bitrate_kbps)
            log.info("camera %s: answered publisher #%d", self.camera_id, peer.number)
            return text, answer.type

    def _watch(self, peer: _Peer) -> None:
        pc = peer.pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            reader = self._read_video if track.kind == "video" else self._read_audio
            peer.tracks_live += 1
            task = asyncio.create_task(reader(peer, track), name=f"webrtc-{self.camera_id}-{track.kind}")
            peer.tasks.add(task)
            task.add_done_callback(peer.tasks.discard)

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            state = pc.connectionState
            log.info("camera %s: publisher #%d %s", self.camera_id, peer.number, state)
            if peer is not self._peer or self._closed:
                return
            if state == "failed":
                self._go_offline("the connection to the publisher failed (ICE or DTLS)")
                await pc.close()
            elif state == "closed":
                self._go_offline("the publisher disconnected")

    def _go_offline(self, reason: str) -> None:
        if self._state != "offline":
            self._state, self._error = "offline", reason
        self._wake.set()

    def _now_t(self, now: float) -> float:
        if self._origin is None:
            self._origin = now
        return now - self._origin

    def _frame_time(
        self, clock: TrackClock | None, frame: av.VideoFrame | av.AudioFrame, now: float
    ) -> tuple[TrackClock | None, float]:
        """The frame's `t_s` on the source clock; the track's clock starts at its first timestamped frame."""
        if frame.pts is None or frame.time_base is None:
            return clock, self._now_t(now)
        if clock is None:
            clock = TrackClock(self._now_t(now), frame.pts, frame.time_base)
        return clock, clock.t_s(frame.pts)

    async def _read_video(self, peer: _Peer, track: MediaStreamTrack) -> None:
        clock: TrackClock | None = None
        try:
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                now, wall = time.monotonic(), time.time()
                clock, t_s = self._frame_time(clock, frame, now)
                image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                self._push_video(Frame(self.camera_id, self._frames, t_s, wall, image), now, peer)
        except MediaStreamError:
            pass
        finally:
            self._track_ended(peer)

    async def _read_audio(self, peer: _Peer, track: MediaStreamTrack) -> None:
        clock: TrackClock | None = None
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_SAMPLE_RATE)
        chunker = AudioChunker(self.camera_id)
        try:
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.AudioFrame)
                now, wall = time.monotonic(), time.time()
                clock, t_s = self._frame_time(clock, frame, now)
                parts = [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
                if parts:
                    samples = np.concatenate(parts).astype(np.float32, copy=False)
                    self._push_audio(chunker.push(samples, t_s, wall), peer)
        except MediaStreamError:
            pass
        finally:
            self._push_audio(chunker.flush(time.time()), peer)
            self._track_ended(peer)

    def _push_video(self, frame: Frame, now: float, peer: _Peer) -> None:
        if peer is not self._peer or self._closed:
            return
        if len(self._video) == VIDEO_QUEUE:
            self._frames_dropped += 1
        self._video.append(frame)
        self._frames += 1
        self._arrivals.append(now)
        self._forget_arrivals_before(now - FPS_WINDOW_S)
        if self._first_frame_at is None:
            self._first_frame_at = now
        self._last_frame_at = now
        self._state, self._error = "streaming", None
        self._wake.set()

    def _push_audio(self, chunks: list[AudioChunk], peer: _Peer) -> None:
        if not chunks or peer is not self._peer or self._closed:
            return
        for chunk in chunks:
            if len(self._audio) == AUDIO_QUEUE:
                self.audio_chunks_dropped += 1
            self._audio.append(chunk)
        self._wake.set()

    def _track_ended(self, peer: _Peer) -> None:
        peer.tracks_live -= 1
        if peer.tracks_live <= 0 and peer is self._peer and not self._closed:
            self._go_offline("the publisher stopped sending")

    async def _close_peer(self, peer: _Peer) -> None:
        await peer.pc.close()
        for task in list(peer.tasks):
            task.cancel()
        for task in list(peer.tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- the Source protocol

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        """Frames and audio chunks, the earlier `t_s` first; ends after `close()`."""
        while True:
            item = self._pop()
            if item is not None:
                yield item
                continue
            if self._closed:
                return
            self._wake.clear()
            await self._wake.wait()

    def _pop(self) -> SourceItem | None:
        if self._video and (not self._audio or self._video[0].t_s <= self._audio[0].t_s):
            return self._video.popleft()
        if self._audio:
            return self._audio.popleft()
        return None

    def _forget_arrivals_before(self, cutoff: float) -> None:
        while self._arrivals and self._arrivals[0] < cutoff:
            self._arrivals.popleft()

    def health(self) -> SourceHealth:
        now = time.monotonic()
        self._forget_arrivals_before(now - FPS_WINDOW_S)
        fps = 0.0
        if self._first_frame_at is not None:
            span = min(FPS_WINDOW_S, now - self._first_frame_at)
            fps = len(self._arrivals) / span if span >= 0.5 else 0.0
        age = None if self._last_frame_at is None else now - self._last_frame_at
        state, error = self._state, self._error
        if state == "streaming" and age is not None and age > STALE_AFTER_S:
            state, error = "offline", f"no video from the publisher for {age:.0f} s"
        return SourceHealth(
            state=state,
            fps_in=round(fps, 2),
            frames_dropped=self._frames_dropped,
            last_frame_age_s=None if age is None else round(age, 3),
            reconnects=max(0, self._peers - 1),
            last_error=error,
        )

    async def close(self) -> None:
        """Close the publisher's connection; iteration ends once the queues are drained."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            peer, self._peer = self._peer, None
            if peer is not None:
                await self._close_peer(peer)
        if self._state != "pending":
            self._state, self._error = "offline", "the source was closed"
        self._wake.set()


def _receives_video(pc: RTCPeerConnection) -> bool:
    return any(
        t.kind == "video" and t.currentDirection in ("recvonly", "sendrecv") for t in pc.getTransceivers()
    )


class WebRtcRegistry:
    """camera id → its `WebRtcSource`, created on the first offer, closed with the app."""

    def __init__(self, start_bitrate_kbps: int | None = START_BITRATE_KBPS) -> None:
        self.start_bitrate_kbps = start_bitrate_kbps
        self._sources: dict[int, WebRtcSource] = {}

    def get(self, camera_id: int) -> WebRtcSource | None:
        return self._sources.get(camera_id)

    def get_or_create(self, camera_id: int) -> WebRtcSource:
        source = self._sources.get(camera_id)
        if source is None:
            source = WebRtcSource(camera_id, self.start_bitrate_kbps)
            self._sources[camera_id] = source
        return source

    async def remove(self, camera_id: int) -> None:
        source = self._sources.pop(camera_id, None)
        if source is not None:
            await source.close()

    async def close(self) -> None:
        sources, self._sources = list(self._sources.values()), {}
        for source in sources:
            await source.close()
