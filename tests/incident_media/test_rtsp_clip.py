"""A clip cut from a real RTSP camera's pre-roll (GStreamer's server streaming the plaza scenario)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.incident_media.clipkit import sound, streams, video_frames, video_packets
from tests.incident_media.conftest import record
from tests.servers.rtsp import RtspCamera
from vigil.domain import SourceKind
from vigil.ingest.av_source import AvSourceConfig
from vigil.media.clips import write_clip

pytestmark = pytest.mark.slow


async def test_a_clip_from_an_rtsp_camera_is_remuxed_and_plays(tmp_path: Path) -> None:
    with RtspCamera() as camera:
        recorded = await record(AvSourceConfig(SourceKind.RTSP, camera.url), until_s=9.0)
    info = recorded.stream_info
    assert (info["video"].codec, info["audio"].codec) == ("h264", "aac")
    assert info["video"].extradata  # from the SDP's sprop-parameter-sets

    end = max(p.t_s for p in recorded.packets if p.stream == "video")
    clip = write_clip(recorded.packets, info, end - 5.0, end, tmp_path / "clip.mp4")

    assert (clip.video, clip.audio) == ("copy", "copy")
    assert streams(clip.path) == [("video", "h264"), ("audio", "aac")]
    assert 5.0 <= clip.duration_s <= 7.3  # back to the keyframe at or before the start (2 s GOP)
    frames = video_frames(clip.path)
    assert len(frames) == len(video_packets(clip.path))  # every packet decodes to a picture
    assert len(frames) == pytest.approx(clip.duration_s * 10, abs=3)
    samples, _ = sound(clip.path)
    assert len(samples) / 16_000 == pytest.approx(clip.duration_s, abs=0.5)
    assert float(abs(samples).max()) > 0.01  # the city sound, not silence
