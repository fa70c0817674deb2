"""Test media: the shared recordings beside the checkout, and small clips made on the spot with PyAV."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_media_dir() -> Path:
    media = REPO.parent / "shared" / "media"
    if not media.is_dir():
        pytest.fail(f"test media not found at {media}: these tests need ../shared/media beside the checkout")
    return media


def plaza() -> Path:
    return shared_media_dir() / "scenarios" / "plaza_incident.mp4"


def scream_clip(folder: Path) -> Path:
    """Seconds 21-29 of the plaza scenario (its scream is at 25-27 s), cut without re-encoding, as
    `folder/videos/scream.mp4`."""
    clip = folder / "videos" / "scream.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    command = ["ffmpeg", "-loglevel", "error", "-y", "-ss", "21", "-i", str(plaza()), "-t", "8", "-c", "copy"]
    subprocess.run([*command, str(clip)], check=True, timeout=60)
    return clip


def make_clip(path: Path, seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (320, 240)) -> Path:
    """An MP4 (MPEG-4 video + AAC) of a white square crossing a grey field, with a 440 Hz tone."""
    width, height = size
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio = container.add_stream("aac", rate=48_000)
        audio.layout = "mono"
        frames = int(seconds * fps)
        for index in range(frames):
            image = np.full((height, width, 3), 90, dtype=np.uint8)
            x = int(index / frames * (width - 40))
            image[100:140, x : x + 40] = 255
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        t = np.arange(int(seconds * 48_000)) / 48_000
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            piece = tone[start : start + 1024].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
            frame.sample_rate = 48_000
            frame.pts = start
            frame.time_base = Fraction(1, 48_000)
            for packet in audio.encode(frame):
                container.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                container.mux(packet)
    return path
