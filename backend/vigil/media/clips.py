"""Incident clips: an MP4 (H.264 video + AAC audio, index at the front so a browser plays it while it loads)
cut from a camera's pre-roll of encoded packets, from the last keyframe at or before the start to the end.

- H.264 / AAC packets are copied as they are (no re-encoding: no quality loss, milliseconds of work); other
  codecs (MJPEG, MPEG-4, HEVC, G.711 ...) are decoded and encoded to H.264 / AAC, each stream on its own,
  so an H.264 camera with G.711 sound keeps its video untouched.
- A stream whose parameters change within the clip (a camera reconnected with another resolution or new
  SPS/PPS) cannot share one MP4 track: that stream is re-encoded, each part by its own decoder.
- With privacy on, the video is re-encoded with the faces of `FaceTimeline` pixelated in every frame; with
  privacy masks, it is re-encoded with them blacked out in every frame.
- Sources with no encoded packets (WebRTC) are written from decoded frames and audio chunks
  (`write_clip_from_frames`).

Timestamps in the file start at 0 at the first video packet; `WrittenClip.start_s` says which camera time
that is. The file is written under a temporary name beside the target, read back to check it opens and
to measure it, fsynced and renamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.container
import av.stream
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.domain import AudioChunk, EncodedPacket, Frame, StreamInfo
from vigil.media.audio import NoAudioError, cut_audio
from vigil.media.privacy import FaceTimeline, Polygon, blur_regions, mask_polygons
from vigil.media.storage import atomic_file, digest

CONTAINER_OPTIONS = {"movflags": "+faststart"}
VIDEO_ENCODERS = ("libx264", "libopenh264")  # the first this FFmpeg build has; both write H.264
FALLBACK_VIDEO_ENCODER = "mpeg4"  # in every FFmpeg build; plays in VLC/ffplay, not in browsers
X264_OPTIONS = {"preset": "veryfast", "crf": "23"}
ENCODER_TIME_BASE = Fraction(1, 1000)
DEFAULT_FPS = 10.0
AUDIO_CHUNK_SAMPLES = 4096
GLOBAL_HEADER = 1 << 22  # AV_CODEC_FLAG_GLOBAL_HEADER
FRAME_RING_MAX_SIDE = 640

Handling = Literal["copy", "encode", "none"]


class ClipError(ValueError):
    """Nothing to cut: no keyframe or no frames in the asked span."""


class _CopyRefusedError(Exception):
    """The muxer did not take the source's codec parameters as they are; re-encode instead."""


@dataclass(frozen=True, slots=True)
class WrittenClip:
    path: Path
    bytes: int
    sha256: str
    duration_s: float
    start_s: float  # the camera time of the clip's first frame (its t = 0)
    video: Handling
    audio: Handling


def video_encoder() -> str:
    """The H.264 encoder this PyAV build has (`FALLBACK_VIDEO_ENCODER` when it has none)."""
    return next((name for name in VIDEO_ENCODERS if name in av.codecs_available), FALLBACK_VIDEO_ENCODER)


# --- choosing the packets ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cut:
    packets: tuple[EncodedPacket, ...]  # video and audio, in arrival (decode) order, each with its info
    key_s: float  # presentation time of the first (key) frame
    origin_s: float  # camera time that becomes 0 in the file (≤ key_s when the key frame's dts is earlier)

    def of(self, stream: str) -> list[EncodedPacket]:
        return [p for p in self.packets if p.stream == stream]


def _decode_time(packet: EncodedPacket) -> float:
    if packet.info is None or packet.pts is None or packet.dts is None:
        return packet.t_s
    return packet.t_s - float((packet.pts - packet.dts) * packet.info.time_base)


def select_packets(
    packets: Iterable[EncodedPacket],
    start_s: float,
    end_s: float,
    stream_info: Mapping[str, StreamInfo] | None = None,
) -> Cut:
    """The packets of a clip from the last video keyframe at or before `start_s` (the first one after it
    when the buffer does not reach back so far) to `end_s`. Packets without `info` get `stream_info`'s."""
    fallback = stream_info or {}
    ordered = [p if p.info is not None else _with_info(p, fallback.get(p.stream)) for p in packets]
    keys = [i for i, p in enumerate(ordered) if p.stream == "video" and p.is_keyframe and p.t_s <= end_s]
    if not keys:
        raise ClipError(f"no video keyframe before {end_s:.2f} s in the buffer")
    before = [i for i in keys if ordered[i].t_s <= start_s]
    first = before[-1] if before else keys[0]
    key_s = ordered[first].t_s

    chosen: list[EncodedPacket] = []
    session: StreamInfo | None = None
    waiting_for_key = False
    for index, packet in enumerate(ordered):
        if packet.stream == "audio":
            if key_s <= packet.t_s <= end_s:
                chosen.append(packet)
            continue
        if index < first or _decode_time(packet) > end_s:
            continue
        if packet.info is not session:  # a new connection: nothing decodes before its first keyframe
            session, waiting_for_key = packet.info, True
        if waiting_for_key and not packet.is_keyframe:
            continue
        waiting_for_key = False
        if packet.t_s < key_s:  # open-GOP leading frames that refer to the GOP before the cut
            continue
        chosen.append(packet)
    video = [p for p in chosen if p.stream == "video"]
    origin = min(key_s, _decode_time(video[0]))
    return Cut(tuple(chosen), key_s, origin)


def _with_info(packet: EncodedPacket, info: StreamInfo | None) -> EncodedPacket:
    if info is None:
        return packet
    return EncodedPacket(
        packet.stream, packet.t_s, packet.data, packet.is_keyframe, packet.pts, packet.dts,
        packet.duration, info,
    )  # fmt: skip


def _copyable(packets: Sequence[EncodedPacket], codec: str) -> bool:
    infos = [p.info for p in packets]
    if not infos or any(i is None for i in infos):
        return False
    first = infos[0]
    assert first is not None
    if first.codec != codec or not first.extradata:
        return False
    return all(i is first or (i is not None and i.same_format(first)) for i in infos)


# --- output streams ------------------------------------------------------------------------------------


def _rate(info: StreamInfo | None) -> Fraction:
    fps = info.frame_rate if info is not None and info.frame_rate > 0 else DEFAULT_FPS
    return Fraction(fps).limit_denominator(1001)


class _CopyTrack:
    """Packets written as they are; their timestamps rebased from the camera clock."""

    def __init__(self, out: av.container.OutputContainer, info: StreamInfo) -> None:
        self.info = info
        self.out = out
        if info.kind == "video":
            # PyAV can only add a stream with an encoder behind it. Without the global-header flag the
            # (never used) encoder keeps the extradata we set, so the file carries the camera's SPS/PPS.
            video = out.add_stream("h264", rate=_rate(info))
            video.width, video.height = info.width, info.height
            video.codec_context.flags &= ~GLOBAL_HEADER
            self.stream: av.stream.Stream = video
        else:
            audio = out.add_stream("aac", rate=info.sample_rate)
            audio.layout = info.layout or "mono"
            self.stream = audio
        self.stream.time_base = info.time_base
        assert self.stream.codec_context is not None
        self.stream.codec_context.extradata = info.extradata
        self._session: StreamInfo | None = None
        self._shift = 0
        self._last_dts: int | None = None

    def check(self) -> None:
        """After the header is written: the muxer must hold the source's parameters, not an encoder's."""
        context = self.stream.codec_context
        if context is None or context.extradata != self.info.extradata:
            raise _CopyRefusedError(f"{self.info.kind} extradata replaced by the encoder")

    def push(self, packet: EncodedPacket, origin_s: float) -> None:
        info = packet.info
        assert info is not None
        pts = round((packet.t_s - origin_s) / info.time_base)
        dts = pts - (packet.pts - packet.dts) if packet.pts is not None and packet.dts is not None else pts
        if info is not self._session:
            # A reconnect restarts the source's timestamps; the camera clock keeps going, but make sure the
            # new part never starts before the old one ended (the muxer refuses dts going back).
            self._session = info
            self._shift = 0 if self._last_dts is None else max(0, self._last_dts + 1 - dts)
        pts, dts = pts + self._shift, dts + self._shift
        if self._last_dts is not None and dts <= self._last_dts:
            pts, dts = pts + self._last_dts + 1 - dts, self._last_dts + 1
        self._last_dts = dts
        out = av.Packet(packet.data)
        out.pts, out.dts, out.duration = pts, dts, packet.duration
        out.time_base = info.time_base
        out.is_keyframe = packet.is_keyframe
        out.stream = self.stream
        self.out.mux(out)

    def flush(self) -> None:
        pass


class _VideoEncoder:
    """Frames (camera time, image) → H.264 at their own times (variable frame rate)."""

    def __init__(self, out: av.container.OutputContainer, width: int, height: int, fps: Fraction) -> None:
        name = video_encoder()
        self.out = out
        self.width, self.height = width - width % 2, height - height % 2
        options = dict(X264_OPTIONS) if name == "libx264" else {}
        options["g"] = str(max(1, round(2 * fps)))
        stream = out.add_stream(name, rate=fps, options=options, time_base=ENCODER_TIME_BASE)
        assert isinstance(stream, av.VideoStream)
        self.stream = stream
        self.stream.width, self.stream.height, self.stream.pix_fmt = self.width, self.height, "yuv420p"
        self._last_pts: int | None = None

    def push(self, frame: av.VideoFrame, clip_s: float) -> None:
        pts = round(clip_s / ENCODER_TIME_BASE)
        if self._last_pts is not None and pts <= self._last_pts:
            return  # two frames within a millisecond: keep the first
        self._last_pts = pts
        frame = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        frame.pts, frame.time_base = pts, ENCODER_TIME_BASE
        frame.pict_type = av.video.frame.PictureType.NONE  # let the encoder place its keyframes
        self.out.mux(self.stream.encode(frame))

    def push_image(self, image: NDArray[np.uint8], clip_s: float) -> None:
        self.push(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24"), clip_s)

    def flush(self) -> None:
        self.out.mux(self.stream.encode(None))


class _AudioEncoder:
    """Audio frames at camera times → AAC; sample-exact where contiguous, gaps kept as gaps."""

    def __init__(self, out: av.container.OutputContainer, sample_rate: int, layout: str) -> None:
        self.out = out
        self.rate = sample_rate
        self.layout = "mono" if layout == "mono" else "stereo"
        self.stream = out.add_stream("aac", rate=sample_rate)
        self.stream.layout = self.layout
        self.time_base = Fraction(1, sample_rate)
        self.resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=sample_rate)
        self._next: int | None = None

    def push(self, frame: av.AudioFrame, clip_s: float) -> None:
        start = max(0, round(clip_s * self.rate))
        for piece in self.resampler.resample(frame):
            if self._next is None or start - self._next > self.rate // 10:
                self._next = start  # the first frame, or a gap (dropped packets, reconnect)
            piece.pts, piece.time_base = self._next, self.time_base
            self._next += piece.samples
            self.out.mux(self.stream.encode(piece))
            start = self._next

    def push_samples(self, samples: NDArray[np.float32], sample_rate: int, clip_s: float) -> None:
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        self.push(frame, clip_s)

    def flush(self) -> None:
        for piece in self.resampler.resample(None):
            piece.pts, piece.time_base = self._next, self.time_base
            self._next = (self._next or 0) + piece.samples
            self.out.mux(self.stream.encode(piece))
        self.out.mux(self.stream.encode(None))


class _SizeProbe:
    """Stands in for an encoder to learn the size of the first decoded picture."""

    size: tuple[int, int] | None = None

    def push(self, frame: av.VideoFrame, clip_s: float) -> None:
        self.size = self.size or (frame.width, frame.height)

    def push_image(self, image: NDArray[np.uint8], clip_s: float) -> None:
        self.size = self.size or (int(image.shape[1]), int(image.shape[0]))

    def flush(self) -> None:
        pass


def _decoder(info: StreamInfo) -> av.VideoCodecContext | av.AudioCodecContext:
    context = av.CodecContext.create(info.codec, "r")
    if info.extradata:
        context.extradata = info.extradata
    if isinstance(context, av.VideoCodecContext):
        context.width, context.height = info.width, info.height
        # No frame threading: freeing a frame-threaded decoder with frames in flight (a write that failed
        # half-way) deadlocks in PyAV 18. Decoding a clip single-threaded costs little beside encoding it.
    elif isinstance(context, av.AudioCodecContext):
        context.sample_rate = info.sample_rate
        context.layout = info.layout or "mono"
    else:
        raise ClipError(f"{info.codec} is neither a video nor an audio codec")
    return context


class _Transcoder:
    """Decodes one stream's packets (a decoder per connection) and hands the frames to an encoder, placed
    at their camera time; for video, `faces` are pixelated and `masks` blacked out first."""

    def __init__(
        self,
        encoder: _VideoEncoder | _AudioEncoder | _SizeProbe,
        origin_s: float,
        faces: FaceTimeline | None = None,
        masks: Sequence[Polygon] = (),
    ) -> None:
        self.encoder = encoder
        self.origin_s = origin_s
        self.faces = faces
        self.masks = tuple(masks)
        self._session: StreamInfo | None = None
        self._decoder: av.VideoCodecContext | av.AudioCodecContext | None = None
        self._clock_offset = 0.0  # camera time minus stream time, for this connection

    def push(self, packet: EncodedPacket) -> None:
        info = packet.info
        if info is None:
            raise ClipError(f"{packet.stream} packets without stream parameters cannot be decoded")
        if info is not self._session:
            self.flush_decoder()
            self._session, self._decoder = info, _decoder(info)
        if packet.pts is not None:
            self._clock_offset = packet.t_s - float(packet.pts * info.time_base)
        source = av.Packet(packet.data)
        source.pts, source.dts, source.time_base = packet.pts, packet.dts, info.time_base
        self._emit(self._decode(source), fallback_s=packet.t_s)

    def _decode(self, packet: av.Packet[av.stream.Stream] | None) -> list[av.VideoFrame | av.AudioFrame]:
        assert self._decoder is not None
        try:
            frames: list[av.VideoFrame] | list[av.AudioFrame] = self._decoder.decode(packet)
        except av.error.InvalidDataError:
            return []  # a damaged packet: its frame is lost, as on the live view
        return [f for f in frames if isinstance(f, (av.VideoFrame, av.AudioFrame))]

    def _emit(self, frames: list[av.VideoFrame | av.AudioFrame], fallback_s: float) -> None:
        assert self._session is not None
        for frame in frames:
            camera_s = (
                self._clock_offset + float(frame.pts * self._session.time_base)
                if frame.pts is not None
                else fallback_s
            )
            clip_s = camera_s - self.origin_s
            if isinstance(frame, av.VideoFrame) and isinstance(self.encoder, (_VideoEncoder, _SizeProbe)):
                if self.faces is not None or self.masks:
                    image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                    if self.faces is not None:
                        image = blur_regions(image, self.faces.boxes_at(camera_s))
                    self.encoder.push_image(mask_polygons(image, self.masks), clip_s)
                else:
                    self.encoder.push(frame, clip_s)
            elif isinstance(frame, av.AudioFrame) and isinstance(self.encoder, _AudioEncoder):
                self.encoder.push(frame, clip_s)

    def flush_decoder(self) -> None:
        if self._decoder is not None:
            self._emit(self._decode(None), fallback_s=self.origin_s)
        self._decoder = None

    def flush(self) -> None:
        self.flush_decoder()
        self.encoder.flush()


# --- writing -------------------------------------------------------------------------------------------


def _open_output(path: Path) -> av.container.OutputContainer:
    return av.open(str(path), "w", format="mp4", container_options=CONTAINER_OPTIONS)


def _finish(temp: Path, fallback_duration_s: float) -> float:
    """Read the written file back: it must open with a video stream. Returns its duration."""
    with av.open(str(temp)) as check:
        if not check.streams.video:
            raise ClipError("the written clip has no video stream")
        if check.duration is not None:
            return float(check.duration) / av.time_base
    return fallback_duration_s


def _probe_size(video: Sequence[EncodedPacket]) -> tuple[int, int]:
    """The picture size: from the stream parameters, else from the first frame that decodes."""
    for packet in video:
        if packet.info is not None and packet.info.width and packet.info.height:
            return packet.info.width, packet.info.height
    decoder = _Transcoder(_SizeProbe(), 0.0)
    for packet in video:
        decoder.push(packet)
        if isinstance(decoder.encoder, _SizeProbe) and decoder.encoder.size is not None:
            return decoder.encoder.size
    raise ClipError("no video frame decodes: the picture size is unknown")


def _setup_tracks(
    out: av.container.OutputContainer,
    cut: Cut,
    copy_video: bool,
    copy_audio: bool,
    faces: FaceTimeline | None,
    masks: Sequence[Polygon] = (),
) -> dict[str, _CopyTrack | _Transcoder]:
    video, audio = cut.of("video"), cut.of("audio")
    first_video = video[0].info
    tracks: dict[str, _CopyTrack | _Transcoder] = {}
    try:
        if copy_video and first_video is not None:
            tracks["video"] = _CopyTrack(out, first_video)
        else:
            width, height = _probe_size(video)
            encoder = _VideoEncoder(out, width, height, _rate(first_video))
            tracks["video"] = _Transcoder(encoder, cut.origin_s, faces, masks)
        if audio and audio[0].info is not None:
            info = audio[0].info
            if copy_audio:
                tracks["audio"] = _CopyTrack(out, info)
            else:
                rate = info.sample_rate or 48_000
                tracks["audio"] = _Transcoder(_AudioEncoder(out, rate, info.layout), cut.origin_s)
        out.start_encoding()
    except (av.FFmpegError, ValueError) as error:
        if copy_video or copy_audio:  # e.g. no "h264" encoder to stand behind a copied stream
            raise _CopyRefusedError(str(error)) from error
        raise
    for track in tracks.values():
        if isinstance(track, _CopyTrack):
            track.check()
    return tracks


def _write_packets(
    cut: Cut,
    target: Path,
    copy_video: bool,
    copy_audio: bool,
    faces: FaceTimeline | None,
    masks: Sequence[Polygon] = (),
) -> WrittenClip:
    video = cut.of("video")
    with atomic_file(target) as temp:
        with _open_output(temp) as out:
            tracks = _setup_tracks(out, cut, copy_video, copy_audio, faces, masks)
            for packet in cut.packets:
                track_of = tracks.get(packet.stream)
                if isinstance(track_of, _CopyTrack):
                    track_of.push(packet, cut.origin_s)
                elif track_of is not None:
                    track_of.push(packet)
            for track in tracks.values():
                track.flush()
        last = video[-1]
        estimate = last.t_s - cut.origin_s + float(last.duration * last.info.time_base if last.info else 0)
        duration = _finish(temp, estimate)
    stored = digest(target)
    audio_handling: Handling = "none" if "audio" not in tracks else ("copy" if copy_audio else "encode")
    return WrittenClip(
        target, stored.bytes, stored.sha256, duration, cut.key_s,
        "copy" if copy_video else "encode", audio_handling,
    )  # fmt: skip


def write_clip(
    packets: Iterable[EncodedPacket],
    stream_info: Mapping[str, StreamInfo] | None,
    start_s: float,
    end_s: float,
    target: Path,
    faces: FaceTimeline | None = None,
    masks: Sequence[Polygon] = (),
) -> WrittenClip:
    """Write the MP4 of `packets` (a pre-roll ring's, in arrival order) from the last keyframe at or before
    `start_s` to `end_s` to `target`, atomically. `stream_info` gives the parameters of packets that carry
    none. With `faces` (privacy on) the video is re-encoded with those faces pixelated, with `masks`
    (privacy masks) with those polygons blacked out."""
    cut = select_packets(packets, start_s, end_s, stream_info)
    copy_video = faces is None and not masks and _copyable(cut.of("video"), "h264")
    copy_audio = _copyable(cut.of("audio"), "aac")
    try:
        return _write_packets(cut, target, copy_video, copy_audio, faces, masks)
    except _CopyRefusedError:
        return _write_packets(cut, target, False, False, faces, masks)


# --- sources without packets (WebRTC) -----------------------------------------------------------------


def ring_frame(frame: Frame, max_side: int = FRAME_RING_MAX_SIDE) -> Frame:
    """The frame as a frame ring for packet-less sources keeps it: longer side at most `max_side` px."""
    height, width = frame.image.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1:
        return frame
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    image = np.asarray(Image.fromarray(frame.image).resize(size, Image.Resampling.BILINEAR), dtype=np.uint8)
    return Frame(frame.camera_id, frame.index, frame.t_s, frame.wall_time_s, image)


def write_clip_from_frames(
    frames: Sequence[Frame],
    chunks: Sequence[AudioChunk],
    start_s: float,
    end_s: float,
    target: Path,
    faces: FaceTimeline | None = None,
    masks: Sequence[Polygon] = (),
) -> WrittenClip:
    """Encode decoded `frames` (a frame ring's) and audio `chunks` from `start_s` to `end_s` into an MP4."""
    chosen = sorted((f for f in frames if start_s <= f.t_s <= end_s), key=lambda f: f.t_s)
    if not chosen:
        raise ClipError(f"no frames between {start_s:.2f} s and {end_s:.2f} s")
    origin = chosen[0].t_s
    gaps = np.diff([f.t_s for f in chosen])
    fps = Fraction(1 / float(np.median(gaps))).limit_denominator(1001) if len(gaps) else Fraction(10)
    try:
        snippet = cut_audio(chunks, origin, end_s, pad_s=0.0) if chunks else None
    except NoAudioError:
        snippet = None
    with atomic_file(target) as temp:
        with _open_output(temp) as out:
            video = _VideoEncoder(out, chosen[0].width, chosen[0].height, fps)
            sound = _AudioEncoder(out, snippet.sample_rate, "mono") if snippet is not None else None
            out.start_encoding()
            # Frames and sound interleaved by time, as the muxer wants them.
            events: list[tuple[float, Frame | int]] = [(f.t_s, f) for f in chosen]
            if snippet is not None:
                for offset in range(0, len(snippet.samples), AUDIO_CHUNK_SAMPLES):
                    events.append((snippet.start_s + offset / snippet.sample_rate, offset))
            for t_s, event in sorted(events, key=lambda e: (e[0], isinstance(e[1], int))):
                if isinstance(event, Frame):
                    image = event.image if faces is None else blur_regions(event.image, faces.boxes_at(t_s))
                    video.push_image(mask_polygons(image, masks), t_s - origin)
                elif sound is not None and snippet is not None:
                    piece = snippet.samples[event : event + AUDIO_CHUNK_SAMPLES]
                    sound.push_samples(piece, snippet.sample_rate, t_s - origin)
            video.flush()
            if sound is not None:
                sound.flush()
        duration = _finish(temp, chosen[-1].t_s - origin)
    stored = digest(target)
    return WrittenClip(
        target, stored.bytes, stored.sha256, duration, origin, "encode", "encode" if sound else "none"
    )
