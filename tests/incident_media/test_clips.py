"""Incident clips cut from a camera's pre-roll ring: the plaza scenario (H.264 + AAC) read by `AvSource`,
other codecs, reconnects, privacy, packet-less (WebRTC) sources, and what a failed write leaves."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from pathlib import Path

import av
import numpy as np
import pytest

from tests.incident_media.clipkit import (
    detail_correlation,
    dominant_hz,
    loudest_second,
    make_h264_camera,
    sound,
    square_x,
    streams,
    video_frames,
    video_packets,
)
from tests.incident_media.conftest import Recorded, file_camera, record
from tests.media import make_clip, plaza
from vigil.domain import Box, EncodedPacket, Face, Observation
from vigil.media.clips import ClipError, ring_frame, video_encoder, write_clip, write_clip_from_frames
from vigil.media.privacy import FaceTimeline, grow

PRE_ROLL_S = 5.0
POST_ROLL_S = 5.0
GOP_S = 2.0  # the plaza file's keyframe interval


def test_this_pyav_writes_h264_with_libx264() -> None:
    assert video_encoder() == "libx264"


def test_plaza_clip_is_cut_from_the_ring_without_re_encoding(
    plaza_recording: Recorded, scream: tuple[float, float], tmp_path: Path
) -> None:
    start, end = scream[0] - PRE_ROLL_S, scream[1] + POST_ROLL_S
    clip = write_clip(plaza_recording.packets, plaza_recording.stream_info, start, end, tmp_path / "clip.mp4")

    assert streams(clip.path) == [("video", "h264"), ("audio", "aac")]
    assert (clip.video, clip.audio) == ("copy", "copy")
    assert start - GOP_S - 0.1 < clip.start_s <= start  # the keyframe at or before the start
    assert clip.duration_s == pytest.approx(end - clip.start_s, abs=0.2)
    assert 12.0 <= clip.duration_s <= 12.0 + GOP_S + 0.2
    assert clip.bytes == clip.path.stat().st_size

    # Not re-encoded: the clip's video packets are a run of the source file's, byte for byte.
    with av.open(str(plaza())) as source:
        stream = source.streams.video[0]
        assert stream.time_base is not None
        original = [
            (bytes(p), float(p.pts * stream.time_base))
            for p in source.demux(stream)
            if p.dts is not None and p.pts is not None
        ]
    cut = video_packets(clip.path)
    first = next(i for i, (data, _) in enumerate(original) if data == cut[0])
    assert [data for data, _ in original[first : first + len(cut)]] == cut
    assert original[first][1] == pytest.approx(clip.start_s, abs=0.05)  # camera clock ≈ file time here
    assert len(cut) == pytest.approx(clip.duration_s * 10, abs=2)

    # Starts before the scream: the loudest second of its sound is the scream, at least 4 s in.
    samples, first_sample_s = sound(clip.path)
    loudest = first_sample_s + loudest_second(samples)
    assert loudest >= 4.0
    assert scream[0] - 0.3 <= clip.start_s + loudest <= scream[1]

    frames = video_frames(clip.path)
    assert frames[0][0] == pytest.approx(0.0, abs=0.01)  # rebased to 0
    assert len(frames) == len(cut)


def test_a_camera_that_is_not_h264_gets_a_transcoded_clip_that_plays(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "mpeg4.mp4", seconds=6.0, fps=10)  # MPEG-4 part 2 + AAC
    recorded = asyncio.run(record(file_camera(source), until_s=5.5))
    assert recorded.stream_info["video"].codec == "mpeg4"

    clip = write_clip(recorded.packets, recorded.stream_info, 2.5, 5.0, tmp_path / "clip.mp4")

    assert streams(clip.path) == [("video", "h264"), ("audio", "aac")]
    assert (clip.video, clip.audio) == ("encode", "copy")
    frames = video_frames(clip.path)
    assert len(frames) == pytest.approx((5.0 - clip.start_s) * 10, abs=2)
    # The pictures are the camera's: the square is where the source drew it at that time.
    index = round(clip.start_s * 10)
    assert square_x(frames[0][1]) == pytest.approx(index / 60 * (320 - 40) + 20, abs=3)
    assert clip.duration_s == pytest.approx(5.0 - clip.start_s, abs=0.25)


def test_an_h264_camera_with_g711_sound_keeps_its_video_and_gets_aac(tmp_path: Path) -> None:
    source = make_h264_camera(tmp_path / "g711.mov", seconds=6.0, audio_codec="pcm_mulaw", audio_rate=8000)
    recorded = asyncio.run(record(file_camera(source), until_s=5.5))
    assert recorded.stream_info["audio"].codec == "pcm_mulaw"

    clip = write_clip(recorded.packets, recorded.stream_info, 2.5, 5.0, tmp_path / "clip.mp4")

    assert streams(clip.path) == [("video", "h264"), ("audio", "aac")]
    assert (clip.video, clip.audio) == ("copy", "encode")
    samples, _ = sound(clip.path, rate=8000)
    assert len(samples) / 8000 == pytest.approx(5.0 - clip.start_s, abs=0.3)
    assert dominant_hz(samples, 8000) == pytest.approx(440, abs=5)


def _two_connections(first: Recorded, second: Recorded) -> list[EncodedPacket]:
    """The second recording as if the camera had reconnected after the first (its clock continues)."""
    last = max(p.t_s for p in first.packets)
    return first.packets + [dataclasses.replace(p, t_s=p.t_s + last + 0.1) for p in second.packets]


def test_a_reconnect_with_the_same_parameters_keeps_copying(tmp_path: Path) -> None:
    source = make_h264_camera(tmp_path / "cam.mp4", seconds=4.0)
    a = asyncio.run(record(file_camera(source), until_s=10))
    b = asyncio.run(record(file_camera(source), until_s=10))
    packets = _two_connections(a, b)

    clip = write_clip(packets, None, 0.0, 20.0, tmp_path / "clip.mp4")

    assert clip.video == "copy"
    frames = video_frames(clip.path)
    assert len(frames) == sum(p.stream == "video" for p in packets) == 80
    times = [t for t, _ in frames]
    assert all(b > a for a, b in itertools.pairwise(times))
    last_frame = max(p.t_s for p in packets if p.stream == "video")
    assert times[-1] == pytest.approx(last_frame, abs=0.05)  # the camera clock, gap included


def test_a_reconnect_with_new_parameters_is_re_encoded_into_one_track(tmp_path: Path) -> None:
    small = make_h264_camera(tmp_path / "small.mp4", seconds=4.0, size=(320, 240))
    large = make_h264_camera(tmp_path / "large.mp4", seconds=4.0, size=(640, 480))
    a = asyncio.run(record(file_camera(small), until_s=10))
    b = asyncio.run(record(file_camera(large), until_s=10))

    clip = write_clip(_two_connections(a, b), None, 0.0, 8.0, tmp_path / "clip.mp4")

    assert clip.video == "encode"
    frames = video_frames(clip.path)
    assert {image.shape for _, image in frames} == {(240, 320, 3)}
    assert len(frames) == pytest.approx(80, abs=2)
    # Both connections' pictures are there, the second scaled to the first's size (its square, drawn in
    # rows 100-140 of 480, is now in rows 50-70), starting at the left again.
    early = min(frames, key=lambda f: abs(f[0] - 3.5))[1]
    late = min(frames, key=lambda f: abs(f[0] - 4.5))[1]
    assert square_x(early) > 250
    assert square_x(late, rows=(52, 68)) < 60


def test_privacy_re_encodes_the_clip_with_the_faces_pixelated(
    plaza_recording: Recorded, tmp_path: Path
) -> None:
    face = Box(0.40, 0.30, 0.52, 0.50)  # a textured part of the scene stands in for a face
    observations = [
        Observation(1, t, 0.0, faces=(Face(face, 0.9),)) for t in np.arange(20.0, 33.0, 0.5).tolist()
    ]
    timeline = FaceTimeline(observations)
    plain = write_clip(plaza_recording.packets, plaza_recording.stream_info, 21, 25, tmp_path / "plain.mp4")
    private = write_clip(
        plaza_recording.packets, plaza_recording.stream_info, 21, 25, tmp_path / "private.mp4", faces=timeline
    )

    assert (private.video, private.audio) == ("encode", "copy")
    assert private.start_s == plain.start_s
    before, after = video_frames(plain.path)[15][1], video_frames(private.path)[15][1]
    height, width = before.shape[:2]
    grown = grow(face)
    y1, y2, x1, x2 = (
        int(grown.y1 * height),
        int(grown.y2 * height),
        int(grown.x1 * width),
        int(grown.x2 * width),
    )
    inside_before, inside_after = (
        before[y1 + 2 : y2 - 2, x1 + 2 : x2 - 2],
        after[y1 + 2 : y2 - 2, x1 + 2 : x2 - 2],
    )
    assert abs(detail_correlation(inside_before, inside_after)) < 0.2
    outside = np.ones((height, width), dtype=bool)
    outside[max(0, y1 - 16) : y2 + 16, max(0, x1 - 16) : x2 + 16] = False
    difference = np.abs(before.astype(np.int16) - after.astype(np.int16))[outside]
    assert float(difference.mean()) < 4.0  # elsewhere only the encoder's loss


def test_a_webrtc_camera_clip_is_encoded_from_its_frame_ring(
    plaza_recording: Recorded, scream: tuple[float, float], tmp_path: Path
) -> None:
    frames = [ring_frame(f) for f in plaza_recording.frames]
    assert max(frames[0].image.shape) == 640
    start, end = scream[0] - PRE_ROLL_S, scream[1] + POST_ROLL_S

    clip = write_clip_from_frames(frames, plaza_recording.chunks, start, end, tmp_path / "clip.mp4")

    assert streams(clip.path) == [("video", "h264"), ("audio", "aac")]
    assert clip.duration_s == pytest.approx(end - start, abs=0.3)
    pictures = video_frames(clip.path)
    assert pictures[0][1].shape == (480, 640, 3)
    assert len(pictures) == pytest.approx((end - start) * 10, abs=3)
    samples, first_sample_s = sound(clip.path)
    loudest = first_sample_s + loudest_second(samples)
    assert loudest >= 4.0
    assert scream[0] - 0.3 <= clip.start_s + loudest <= scream[1]


def test_a_failed_write_leaves_no_file_under_the_final_name(
    plaza_recording: Recorded, tmp_path: Path
) -> None:
    class Broken(FaceTimeline):
        calls = 0

        def boxes_at(self, t_s: float) -> tuple[Box, ...]:
            self.calls += 1
            if self.calls > 20:
                raise OSError("disk went away")
            return ()

    target = tmp_path / "clip.mp4"
    with pytest.raises(OSError, match="disk went away"):
        write_clip(plaza_recording.packets, plaza_recording.stream_info, 21, 25, target, faces=Broken([]))
    assert list(tmp_path.iterdir()) == []

    target.write_bytes(b"the clip written before")
    with pytest.raises(OSError, match="disk went away"):
        write_clip(plaza_recording.packets, plaza_recording.stream_info, 21, 25, target, faces=Broken([]))
    assert target.read_bytes() == b"the clip written before"
    assert list(tmp_path.iterdir()) == [target]


def test_nothing_to_cut_is_an_error_in_words(plaza_recording: Recorded, tmp_path: Path) -> None:
    audio_only = [p for p in plaza_recording.packets if p.stream == "audio"]
    with pytest.raises(ClipError, match="no video keyframe"):
        write_clip(audio_only, plaza_recording.stream_info, 20, 25, tmp_path / "clip.mp4")
    with pytest.raises(ClipError, match="no frames"):
        write_clip_from_frames(plaza_recording.frames, [], 100, 110, tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()


def test_a_stream_whose_size_was_not_announced_is_measured_from_its_first_picture(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "mpeg4.mp4", seconds=3.0, fps=10)
    recorded = asyncio.run(record(file_camera(source), until_s=2.5))
    unsized = dataclasses.replace(recorded.stream_info["video"], width=0, height=0)
    packets = [dataclasses.replace(p, info=unsized) if p.stream == "video" else p for p in recorded.packets]

    clip = write_clip(packets, None, 0.0, 2.5, tmp_path / "clip.mp4")

    assert {image.shape for _, image in video_frames(clip.path)} == {(240, 320, 3)}
