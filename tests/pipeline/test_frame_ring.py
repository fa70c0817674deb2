"""The frame buffer of cameras without encoded packets (WebRTC): small JPEGs, 5 a second, a clip from them."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from tests.perception.test_objects import vtest_frames
from vigil.domain import Frame
from vigil.media.clips import write_clip_from_frames
from vigil.pipeline.ring import FrameRing


def test_frames_are_kept_five_a_second_for_the_buffer_length_and_decode_close_to_the_original() -> None:
    image = next(iter(vtest_frames().values()))  # 768×576
    ring = FrameRing(seconds=20.0, fps=5.0, max_side=640)
    kept = [ring.offer(Frame(1, i, i / 10, 1000 + i / 10, image)) for i in range(300)]  # 30 s at 10 fps
    assert sum(kept) == 150  # every other frame
    frames = ring.frames()
    assert 100 <= len(frames) <= 102  # the last 20 s
    assert frames[-1].t_s - frames[0].t_s <= 20.0
    assert frames[0].image.shape == (480, 640, 3)
    small = np.asarray(
        av.VideoFrame.from_ndarray(image, format="rgb24").reformat(640, 480).to_ndarray(format="rgb24"),
        np.int16,
    )
    assert np.abs(frames[0].image.astype(np.int16) - small).mean() < 8  # JPEG at quality 80
    assert sum(len(stored.jpeg) for stored in ring.ring.snapshot()) < 100 * 120_000


def test_a_clip_is_written_from_the_buffered_frames(tmp_path: Path) -> None:
    ring = FrameRing(seconds=30.0)
    for i, image in enumerate(vtest_frames().values()):
        for k in range(10):  # each sample frame held for 2 s at 5 fps
            ring.offer(Frame(1, 0, i * 2 + k * 0.2, 0.0, image))
    clip = write_clip_from_frames(ring.frames(), [], 1.0, 7.0, tmp_path / "clip.mp4")
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert sum(1 for _ in container.decode(stream)) >= 25  # 6 s at 5 fps
